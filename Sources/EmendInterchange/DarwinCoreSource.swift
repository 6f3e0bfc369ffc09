import EmendCore
import Foundation
import ZIPFoundation

/// A Darwin Core Archive (.zip, .tar.gz or folder; with or without meta.xml) or a bare CSV/TSV file, read as a
/// stream of records. Zip and tar archives are unpacked to a temporary folder first, so nothing is held in memory
/// but the extension rows waiting for their core record.
public final class DarwinCoreSource: SourceRecordReader {
    /// The name the import is known by: the file or folder name.
    public let sourceName: String
    /// The EML title when the archive has one.
    public let title: String?
    public let descriptor: ArchiveDescriptor
    /// Column names that are not Darwin Core or Dublin Core terms: kept on the records under these names.
    /// The terms of the core file's columns and defaults, as records get them.
    public var terms: [String] { coreColumns.map(\.term) }
    public private(set) var unknownTerms: [String] = []
    /// Legacy names and the current terms they were mapped to.
    public private(set) var replacedTerms: [String: String] = [:]

    private let root: URL
    private let temporary: URL?
    private var core: DelimitedReader
    private let coreColumns: [Column]
    private let coreShape: RowShape
    /// Extension rows waiting for their core row: row type -> core id -> rows.
    private var pendingExtensions: [String: [String: [(location: String, fields: [String: String])]]] = [:]
    /// Problems found while reading the extensions, handed out with the first record.
    private var extensionProblems: [RowProblem] = []
    private var reportedOrphans = false

    /// What a well-formed row of a file looks like: as wide as its header (when it has one), and reaching the
    /// highest column meta.xml names.
    private struct RowShape {
        var width: Int?
        var highestIndex: Int

        func problem(_ cells: [String], at location: String) -> RowProblem? {
            if let width, cells.count != width {
                return RowProblem(kind: .malformedRow, location: location, detail: "\(cells.count) cells where the header has \(width)")
            }
            guard cells.count > highestIndex else {
                return RowProblem(kind: .malformedRow, location: location, detail: "\(cells.count) cells; meta.xml names column \(highestIndex)")
            }
            return nil
        }
    }

    private struct Column {
        var index: Int?
        var term: String
        var defaultValue: String?
    }

    public static func open(path: String, registry: TermRegistry = .shared) throws(ImportError) -> DarwinCoreSource {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImportError(file: path, reason: "no such file or folder")
        }
        let name = url.lastPathComponent
        if isDirectory.boolValue { return try DarwinCoreSource(name: name, folder: url, temporary: nil, registry: registry) }
        let lower = name.lowercased()
        if lower.hasSuffix(".zip") || lower.hasSuffix(".tgz") || lower.hasSuffix(".tar.gz") {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emend-import-\(UUID().uuidString)")
            do {
                try Unpacking.unpack(url, into: folder)
                return try DarwinCoreSource(name: name, folder: folder, temporary: folder, registry: registry)
            } catch {
                try? FileManager.default.removeItem(at: folder)
                throw error
            }
        }
        return try DarwinCoreSource(
            name: name, descriptor: try Self.bareFile(url, location: name), root: url.deletingLastPathComponent(),
            temporary: nil, title: nil, registry: registry)
    }

    private convenience init(name: String, folder: URL, temporary: URL?, registry: TermRegistry) throws(ImportError) {
        let root = Self.archiveRoot(folder)
        let meta = root.appendingPathComponent("meta.xml")
        let descriptor: ArchiveDescriptor
        if FileManager.default.fileExists(atPath: meta.path) {
            descriptor = try MetaXMLParser.parse(meta)
        } else {
            let candidates = Self.dataFiles(in: root)
            guard candidates.count == 1 else {
                throw ImportError(
                    file: name,
                    reason: candidates.isEmpty
                        ? "no meta.xml and no data file (.csv, .tsv or .txt) in the archive"
                        : "no meta.xml, and more than one data file (\(candidates.joined(separator: ", "))): cannot tell which holds the records")
            }
            descriptor = try Self.bareFile(root.appendingPathComponent(candidates[0]), location: candidates[0])
        }
        let title = descriptor.metadata.flatMap { Self.emlTitle(root.appendingPathComponent($0)) }
            ?? Self.emlTitle(root.appendingPathComponent("eml.xml"))
        try self.init(name: name, descriptor: descriptor, root: root, temporary: temporary, title: title, registry: registry)
    }

    private init(
        name: String, descriptor: ArchiveDescriptor, root: URL, temporary: URL?, title: String?, registry: TermRegistry
    ) throws(ImportError) {
        self.sourceName = name
        self.descriptor = descriptor
        self.root = root
        self.temporary = temporary
        self.title = title
        guard descriptor.core.rowTypeName.lowercased() == "occurrence" else {
            throw ImportError(
                file: "meta.xml",
                reason: "the core row type is \(descriptor.core.rowType); Emend imports occurrence cores (http://rs.tdwg.org/dwc/terms/Occurrence)")
        }
        var unknown: [String] = [], replaced: [String: String] = [:]
        func columns(_ file: FileDescriptor) -> [Column] {
            file.fields.map { field in
                let resolution = registry.resolve(field.term)
                switch resolution {
                case .unknown(let term): if !unknown.contains(term) { unknown.append(term) }
                case .replaced(let old, let current): replaced[old] = current
                case .current: break
                }
                return Column(index: field.index, term: resolution.term, defaultValue: field.defaultValue)
            }
        }
        /// Opens a file past its header lines, with the shape its rows must have.
        func open(_ file: FileDescriptor, columns: [Column]) throws(ImportError) -> (DelimitedReader, RowShape) {
            var reader = try Self.reader(root, file)
            var width: Int?
            for _ in 0..<file.format.headerLines { width = try reader.nextRow()?.cells.count }
            return (reader, RowShape(width: width, highestIndex: (columns.compactMap(\.index) + [file.idIndex ?? 0]).max() ?? 0))
        }
        self.coreColumns = columns(descriptor.core)
        (self.core, self.coreShape) = try open(descriptor.core, columns: coreColumns)
        for file in descriptor.extensions {
            let extensionColumns = columns(file)
            guard let idIndex = file.idIndex else {
                throw ImportError(file: file.location, reason: "meta.xml gives this extension no <coreid>")
            }
            var (reader, shape) = try open(file, columns: extensionColumns)
            while let row = try reader.nextRow() {
                let location = "\(file.location) line \(row.line)"
                if let problem = shape.problem(row.cells, at: location) {
                    extensionProblems.append(problem)
                    continue
                }
                pendingExtensions[file.rowTypeName, default: [:]][row.cells[idIndex], default: []]
                    .append((location, Self.fields(row.cells, extensionColumns)))
            }
        }
        self.unknownTerms = unknown
        self.replacedTerms = replaced
    }

    deinit {
        if let temporary { try? FileManager.default.removeItem(at: temporary) }
    }

    public func next(problems: inout [RowProblem]) throws(ImportError) -> SourceRecord? {
        problems.append(contentsOf: extensionProblems)
        extensionProblems.removeAll()
        while let row = try core.nextRow() {
            let location = "\(core.fileName) line \(row.line)"
            if let problem = coreShape.problem(row.cells, at: location) {
                problems.append(problem)
                continue
            }
            let fields = Self.fields(row.cells, coreColumns)
            let coreID = descriptor.core.idIndex.map { row.cells[$0] }
            var extensions: ExtensionRows = [:]
            if let coreID, !coreID.isEmpty {
                for rowType in pendingExtensions.keys {
                    if let rows = pendingExtensions[rowType]!.removeValue(forKey: coreID) { extensions[rowType] = rows.map(\.fields) }
                }
            }
            return SourceRecord(location: location, key: SourceRecord.key(fields: fields, coreID: coreID), fields: fields, extensions: extensions)
        }
        if !reportedOrphans {
            reportedOrphans = true
            let orphans = pendingExtensions.values.flatMap { byID in
                byID.flatMap { coreID, rows in
                    rows.map { RowProblem(kind: .orphanedExtensionRow, location: $0.location, detail: "core id \"\(coreID)\" is not in the core file") }
                }
            }
            problems.append(contentsOf: orphans.sorted { $0.location.localizedStandardCompare($1.location) == .orderedAscending })
        }
        return nil
    }

    private static func fields(_ cells: [String], _ columns: [Column]) -> [String: String] {
        var fields: [String: String] = [:]
        fields.reserveCapacity(columns.count)
        for column in columns {
            var value = column.index.flatMap { $0 < cells.count ? cells[$0] : nil } ?? ""
            if value.isEmpty { value = column.defaultValue ?? "" }
            if !value.isEmpty, fields[column.term]?.isEmpty ?? true { fields[column.term] = value }
        }
        return fields
    }

    private static func reader(_ root: URL, _ file: FileDescriptor) throws(ImportError) -> DelimitedReader {
        let url = root.appendingPathComponent(file.location)
        guard !file.location.isEmpty, FileManager.default.fileExists(atPath: url.path) else {
            throw ImportError(file: "meta.xml", reason: "names \(file.location.isEmpty ? "no file" : file.location), which is not in the archive")
        }
        return try DelimitedReader(url: url, fileName: file.location, format: file.format)
    }

    /// A CSV or TSV file whose first row names the terms. Comma-separated files use `"` quoting; tab-separated
    /// ones only when their header is quoted, since GBIF writes them unquoted with `"` inside values.
    private static func bareFile(_ url: URL, location: String) throws(ImportError) -> ArchiveDescriptor {
        let sniff = (try? FileHandle(forReadingFrom: url))?.readData(ofLength: 65536) ?? Data()
        let firstLine = sniff.prefix { $0 != 0x0A && $0 != 0x0D }
        let tab = firstLine.contains(0x09) || location.lowercased().hasSuffix(".tsv")
        let quoted = !tab || firstLine.drop { $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }.first == 0x22
        let format = TextFormat(delimiter: tab ? 0x09 : 0x2C, quote: quoted ? 0x22 : nil, headerLines: 1)
        var reader = try DelimitedReader(url: url, fileName: location, format: format)
        guard let header = try reader.nextRow() else { throw ImportError(file: location, reason: "the file is empty: no header row") }
        let fields = header.cells.enumerated().map { FileDescriptor.Field(index: $0.offset, term: $0.element, defaultValue: nil) }
        let file = FileDescriptor(
            rowType: "http://rs.tdwg.org/dwc/terms/Occurrence", location: location, format: format,
            idIndex: header.cells.firstIndex { ["id", "occurrenceid", "dwc:occurrenceid"].contains($0.lowercased()) }, fields: fields)
        return ArchiveDescriptor(core: file, extensions: [], metadata: nil)
    }

    /// The folder holding meta.xml: the root, or its single sub-folder.
    private static func archiveRoot(_ folder: URL) -> URL {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("meta.xml").path) { return folder }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let visible = entries.filter { !$0.hasPrefix(".") && $0 != "__MACOSX" }
        var isDirectory: ObjCBool = false
        if visible.count == 1, FileManager.default.fileExists(atPath: folder.appendingPathComponent(visible[0]).path, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            return folder.appendingPathComponent(visible[0])
        }
        return folder
    }

    private static func dataFiles(in folder: URL) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return entries.filter { name in
            let lower = name.lowercased()
            return !name.hasPrefix(".") && [".csv", ".tsv", ".txt"].contains { lower.hasSuffix($0) }
                && !["citations.txt", "rights.txt", "eml.txt"].contains(lower)
        }.sorted()
    }

    private static func emlTitle(_ url: URL) -> String? {
        guard let text = try? String(contentsOf: url, encoding: .utf8),
            let range = text.range(of: #"<title[^>]*>[^<]+</title>"#, options: .regularExpression)
        else { return nil }
        let element = text[range]
        let start = element.index(after: element.firstIndex(of: ">")!)
        let end = element.range(of: "</title>")!.lowerBound
        return element[start..<end].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Unpacks zip and tar archives to a folder. Paths written with backslashes are read as folders; entries that
/// would land outside the folder, and macOS resource forks, are skipped.
enum Unpacking {
    static func unpack(_ archive: URL, into folder: URL) throws(ImportError) {
        let name = archive.lastPathComponent
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if name.lowercased().hasSuffix(".zip") {
                let zip = try Archive(url: archive, accessMode: .read)
                for entry in zip where entry.type == .file {
                    let parts = entry.path.replacingOccurrences(of: "\\", with: "/").split(separator: "/").map(String.init)
                    guard !parts.isEmpty, !parts.contains(".."), parts.first != "__MACOSX" else { continue }
                    _ = try zip.extract(entry, to: parts.reduce(folder) { $0.appendingPathComponent($1) })
                }
            } else {
                let tar = Process()
                tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                tar.arguments = ["tar", "-xzf", archive.path, "-C", folder.path]
                try tar.run()
                tar.waitUntilExit()
                guard tar.terminationStatus == 0 else { throw ImportError(file: name, reason: "tar could not unpack it") }
            }
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError(file: name, reason: "cannot unpack the archive (\(error))")
        }
    }
}
