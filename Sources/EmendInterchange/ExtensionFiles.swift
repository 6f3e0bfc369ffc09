import EmendCore
import Foundation
import NIOCore

/// The extension rows of a Darwin Core Archive download (`multimedia.txt`, …): each row type's kept in a temporary
/// file while `occurrence.txt` streams, then packed after it. The ZIP is written front to back, one file at a time,
/// and a download's memory stays flat however many rows there are. A row is its record's id (the core's column 0),
/// then its values in its row type's columns; the temporary files go when this does.
public final class ExtensionFiles {
    public struct File: Sendable {
        /// The name import keeps (`Multimedia`, the last part of the IRI meta.xml gave).
        public let rowType: String
        public let terms: [String]
        /// Its name in the archive: the row type's, in lower case.
        public let location: String
    }

    public let files: [File]
    private let temporary: [URL]
    private let handles: [FileHandle]
    /// Rows written since the last flush to each file.
    private var pending: [ByteBuffer]
    private let fileOfRowType: [String: Int]
    /// The files whose text is being read back, from their start.
    private var reading: Set<Int> = []

    /// Files for `layout` (each row type with its columns, as `Store.exportExtensionTerms` gives them).
    public init(layout: [(rowType: String, terms: [String])]) throws {
        var taken: Set<String> = ["meta.xml", "occurrence.txt", "eml.xml", "citation.txt"]
        files = layout.map { rowType, terms in
            let stem = String(rowType.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
            var location = "\(stem).txt", suffix = 1
            while taken.contains(location) {
                suffix += 1
                location = "\(stem)-\(suffix).txt"
            }
            taken.insert(location)
            return File(rowType: rowType, terms: terms, location: location)
        }
        fileOfRowType = Dictionary(uniqueKeysWithValues: files.enumerated().map { ($1.rowType, $0) })
        let folder = FileManager.default.temporaryDirectory
        temporary = files.map { _ in folder.appendingPathComponent("emend-extension-\(UUID().uuidString).txt") }
        var handles: [FileHandle] = []
        for url in temporary {
            guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forUpdatingAtPath: url.path) else {
                for url in temporary { try? FileManager.default.removeItem(at: url) }
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
            handles.append(handle)
        }
        self.handles = handles
        pending = files.map { file in
            var header = ByteBuffer()
            RecordExporter.writeLine(["coreid"] + file.terms, delimiter: UInt8(ascii: ","), lineEnd: "\n", into: &header)
            return header
        }
    }

    deinit {
        for handle in handles { try? handle.close() }
        for url in temporary { try? FileManager.default.removeItem(at: url) }
    }

    /// Writes the rows of the record `id` (its `extensions` as the read model keeps them).
    public func add(id: String, extensionsJSON: String) throws {
        for (rowType, rows) in RecordState.extensions(from: try JSONParser.parse(extensionsJSON)) {
            guard let index = fileOfRowType[rowType] else { throw UnexpectedTerm(record: id, term: "the extension \(rowType)") }
            let terms = files[index].terms
            for row in rows {
                if let stray = row.keys.first(where: { !terms.contains($0) }) {
                    throw UnexpectedTerm(record: id, term: "\(stray) of the extension \(rowType)")
                }
                RecordExporter.writeLine(
                    [id] + terms.map { row[$0] ?? "" }, delimiter: UInt8(ascii: ","), lineEnd: "\n", into: &pending[index])
            }
            if pending[index].readableBytes >= 1 << 16 { try flush(index) }
        }
    }

    /// The file's text from its start, a piece at a time once every row is added: nil after the last.
    public func nextChunk(of index: Int) throws -> ByteBuffer? {
        if !reading.contains(index) {
            try flush(index)
            try handles[index].seek(toOffset: 0)
            reading.insert(index)
        }
        guard let data = try handles[index].read(upToCount: 1 << 16), !data.isEmpty else { return nil }
        return ByteBuffer(bytes: data)
    }

    private func flush(_ index: Int) throws {
        guard pending[index].readableBytes > 0 else { return }
        try handles[index].write(contentsOf: Data(pending[index].readableBytesView))
        pending[index].clear()
    }
}
