import EmendCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One data file as meta.xml describes it (the TDWG text guide).
public struct FileDescriptor: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var index: Int?
        public var term: String
        public var defaultValue: String?
    }

    public var rowType: String
    public var location: String
    public var format: TextFormat
    /// The column holding the row's id (`<id>` in the core, `<coreid>` in an extension).
    public var idIndex: Int?
    public var fields: [Field]

    /// The short name of the row type: `Occurrence`, `Multimedia`, `Identification`.
    public var rowTypeName: String {
        String(rowType.split(whereSeparator: { $0 == "/" || $0 == "#" }).last ?? Substring(rowType))
    }
}

public struct ArchiveDescriptor: Sendable, Equatable {
    public var core: FileDescriptor
    public var extensions: [FileDescriptor]
    public var metadata: String?
}

/// Reads meta.xml. Attribute escapes (`\t`, `\n`, `&quot;`) are undone here; everything missing takes the
/// text guide's default (comma, `"`, UTF-8, no header line).
final class MetaXMLParser: NSObject, XMLParserDelegate {
    private var archive: (metadata: String?, core: FileDescriptor?, extensions: [FileDescriptor]) = (nil, nil, [])
    private var current: FileDescriptor?
    private var isCore = false
    private var text = ""
    private var problem: (line: Int, reason: String)?

    static func parse(_ url: URL) throws(ImportError) -> ArchiveDescriptor {
        guard let data = try? Data(contentsOf: url) else { throw ImportError(file: "meta.xml", reason: "cannot read it") }
        let delegate = MetaXMLParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        let parsed = parser.parse()
        if let problem = delegate.problem { throw ImportError(file: "meta.xml", line: problem.line, reason: problem.reason) }
        guard parsed else {
            let reason = parser.parserError.map { "not well-formed XML (\($0.localizedDescription))" } ?? "not readable"
            throw ImportError(file: "meta.xml", line: parser.lineNumber, reason: reason)
        }
        guard let core = delegate.archive.core else {
            throw ImportError(file: "meta.xml", reason: "no <core> element: it does not say which file holds the records")
        }
        return ArchiveDescriptor(core: core, extensions: delegate.archive.extensions, metadata: delegate.archive.metadata)
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "archive":
            archive.metadata = attributes["metadata"]
        case "core", "extension":
            isCore = name == "core"
            guard let format = format(attributes, line: parser.lineNumber) else { return }
            current = FileDescriptor(
                rowType: attributes["rowType"] ?? "", location: "", format: format, idIndex: nil, fields: [])
        case "id", "coreid":
            current?.idIndex = attributes["index"].flatMap { Int($0) }
        case "field":
            guard let term = attributes["term"] else {
                problem = (parser.lineNumber, "a <field> without a term")
                return
            }
            let index = attributes["index"].flatMap { Int($0) }
            if attributes["index"] != nil, index == nil {
                problem = (parser.lineNumber, "field index \"\(attributes["index"]!)\" is not a number")
            }
            current?.fields.append(.init(index: index, term: term, defaultValue: attributes["default"]))
        default:
            break
        }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "location":
            if current?.location.isEmpty == true { current?.location = text.trimmingCharacters(in: .whitespacesAndNewlines) }
        case "core", "extension":
            guard let file = current else { return }
            if isCore { archive.core = file } else { archive.extensions.append(file) }
            current = nil
        default:
            break
        }
    }

    private func format(_ attributes: [String: String], line: Int) -> TextFormat? {
        func unescape(_ value: String) -> String {
            value.replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\\n", with: "\n")
                .replacingOccurrences(of: "\\r", with: "\r")
        }
        let delimiter = unescape(attributes["fieldsTerminatedBy"] ?? ",")
        let quote = unescape(attributes["fieldsEnclosedBy"] ?? "\"")
        guard delimiter.utf8.count == 1, quote.utf8.count <= 1 else {
            problem = (line, "only single-character delimiters and quotes are supported")
            return nil
        }
        let encodings: [String: String.Encoding] = [
            "utf-8": .utf8, "utf8": .utf8, "iso-8859-1": .isoLatin1, "latin1": .isoLatin1, "latin-1": .isoLatin1,
            "windows-1252": .windowsCP1252, "cp1252": .windowsCP1252, "us-ascii": .utf8, "ascii": .utf8,
        ]
        let declared = attributes["encoding"] ?? "UTF-8"
        guard let encoding = encodings[declared.lowercased()] else {
            problem = (line, "encoding \"\(declared)\" is not supported (UTF-8, ISO-8859-1 and Windows-1252 are)")
            return nil
        }
        return TextFormat(
            delimiter: delimiter.utf8.first!, quote: quote.utf8.first, encoding: encoding,
            headerLines: Int(attributes["ignoreHeaderLines"] ?? "0") ?? 0)
    }
}
