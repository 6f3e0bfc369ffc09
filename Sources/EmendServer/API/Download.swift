import CompressNIO
import EmendCore
import EmendInterchange
import EmendStore
import Hummingbird

/// A search's records written out in one of the export formats, as the API streams them and `emend export`
/// writes them: read as of one log position (the search's `asOf`, else where the log ends when it starts), page
/// after page by cursor, each page handed on as soon as it is written, so memory stays flat however many match.
public struct Download: Sendable {
    public let format: ExportFormat
    /// The search as of its position, a page at a time.
    let query: RecordQuery
    let terms: [String]
    /// For an archive, its extension files' row types and columns.
    let extensionTerms: [(rowType: String, terms: [String])]
    public let metadata: ExportMetadata

    /// Records read per page: enough that a page's statement costs little beside its rows.
    static let pageSize = 2000

    /// The download that `parameters` (the search's, as the API takes them) ask for. A cursor, a limit or facets
    /// make no sense for a download and are refused.
    public init(format: ExportFormat, parameters: [(String, String)], store: Store, baseURL: String) throws {
        for name in ["cursor", "limit", "facet"] where parameters.contains(where: { $0.0 == name }) {
            throw RequestError.badParameter(name, reason: "a download has every matching record, in one piece; leave \(name) out")
        }
        var query = try SearchParameters.query(parameters.map { (key: Substring($0.0), value: Substring($0.1)) }, store: store)
        let position = try query.asOf ?? store.currentPosition()
        query.asOf = position
        query.limit = Self.pageSize
        let asked = parameters.filter { $0.0 != "asOf" && !$0.1.isEmpty }
        let searchText = asked.isEmpty ? "all records" : asked.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let rerun = baseURL + SearchParameters.searchPath(asked + [("asOf", String(position.seq))])
        let created = position.recordedAt ?? Timestamp(milliseconds: 0)
        self.format = format
        self.query = query
        self.terms = try store.exportTerms(query)
        self.extensionTerms = format == .dwca ? try store.exportExtensionTerms(query) : []
        self.metadata = ExportMetadata(
            title: "Specimen records matching \(searchText)", query: searchText, url: rerun, seq: position.seq, created: created,
            citation: "Emend (\(created.rfc3339.prefix(4))). Specimen records matching \(searchText), as of seq \(position.seq) "
                + "(\(created.rfc3339)). \(rerun)")
    }

    public var seq: Int64 { metadata.seq }

    /// Writes the whole download, handing each written piece to `send`; returns the number of records. `gzip`: as one
    /// gzip stream (an archive is deflated already, and ignores it).
    ///
    /// Three stages overlap, a page apart, so that they share the cores: reading the next page from SQLite, writing
    /// this page's rows, and (for an archive, or gzip) deflating the page before. Each waits for the one after it, so
    /// no more than three pages are in hand.
    @discardableResult
    public func write(store: Store, gzip: Bool = false, to send: (inout ByteBuffer) async throws -> Void) async throws -> Int {
        var exporter = RecordExporter(format: format, terms: terms)
        var text = ByteBuffer()
        var deflater: PageDeflater?
        let extensions = extensionTerms.isEmpty ? nil : try ExtensionFiles(layout: extensionTerms)
        if format == .dwca {
            var out = ByteBuffer()
            deflater = .archive(
                try DarwinCoreArchiveWriter(terms: terms, extensions: extensions?.files ?? [], metadata: metadata, into: &out))
            try await send(&out)
        } else if gzip {
            deflater = try .gzip()
        }
        exporter.begin(into: &text)
        let query = query
        var reading: Task<(records: [RecordSummary], next: String?), Error>? = Task { try await store.searchPage(query) }
        var deflating: Task<ByteBuffer, Error>?
        defer {
            reading?.cancel()
            deflating?.cancel()
        }
        while let page = try await reading?.value {
            reading = page.next.map { cursor in
                var query = query
                query.cursor = cursor
                return Task { try await store.searchPage(query) }
            }
            for record in page.records {
                try exporter.add(id: record.id, version: record.version, dataset: record.dataset, fieldsJSON: record.fieldsJSON, flagsJSON: record.flagsJSON,
                    into: &text)
                if let extensions, let json = record.extensionsJSON { try extensions.add(id: record.id, extensionsJSON: json) }
            }
            if page.next == nil { exporter.finish(into: &text) }
            if let deflater {
                if var deflated = try await deflating?.value { try await send(&deflated) }
                deflating = Task { [text] in try deflater.deflate(text) }
            } else {
                try await send(&text)
            }
            text = ByteBuffer()
        }
        if let deflater {
            var out = try await deflating?.value ?? ByteBuffer()
            // The extension files, now that every record's rows are written: a piece at a time, sent as it is deflated.
            for (index, file) in (extensions?.files ?? []).enumerated() {
                try deflater.startExtension(file.location, into: &out)
                while let chunk = try extensions?.nextChunk(of: index) {
                    out.writeImmutableBuffer(try deflater.deflate(chunk))
                    try await send(&out)
                    out.clear()
                }
            }
            try deflater.finish(records: exporter.count, into: &out)
            try await send(&out)
        }
        return exporter.count
    }
}

/// Deflates a download page by page, handed from one deflating task to the next: each is awaited before the next
/// starts, so only one ever touches it. An archive deflates each page into its occurrence file's entry; gzip into
/// one stream, at zlib's default level (level 1 took a seventh less time on a million records' CSV but sent 13% more
/// bytes, and a client across a network waits for bytes).
private final class PageDeflater: @unchecked Sendable {
    private var archive: DarwinCoreArchiveWriter?
    private let compressor: ZlibCompressor?
    private var window = ByteBuffer()

    private init(archive: DarwinCoreArchiveWriter?, compressor: ZlibCompressor?) {
        self.archive = archive
        self.compressor = compressor
        window.reserveCapacity(64 * 1024)
    }

    static func archive(_ writer: DarwinCoreArchiveWriter) -> PageDeflater { PageDeflater(archive: writer, compressor: nil) }

    static func gzip() throws -> PageDeflater { PageDeflater(archive: nil, compressor: try ZlibCompressor(algorithm: .gzip)) }

    func deflate(_ text: ByteBuffer) throws -> ByteBuffer {
        var text = text, out = ByteBuffer()
        if archive != nil {
            try archive!.write(&text, into: &out)
        } else if let compressor {
            try text.compressStream(with: compressor, window: &window, flush: .no) { out.writeImmutableBuffer($0) }
        }
        return out
    }

    /// Ends the archive's file being written and begins the extension file named `location`.
    func startExtension(_ location: String, into out: inout ByteBuffer) throws {
        try archive!.startExtension(location, into: &out)
    }

    func finish(records: Int, into out: inout ByteBuffer) throws {
        if archive != nil {
            try archive!.finish(records: records, into: &out)
        } else if let compressor {
            var empty = ByteBuffer()
            try empty.compressStream(with: compressor, window: &window, flush: .finish) { out.writeImmutableBuffer($0) }
        }
    }
}
