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
        self.metadata = ExportMetadata(
            title: "Specimen records matching \(searchText)", query: searchText, url: rerun, seq: position.seq, created: created,
            citation: "Emend (\(created.rfc3339.prefix(4))). Specimen records matching \(searchText), as of seq \(position.seq) "
                + "(\(created.rfc3339)). \(rerun)")
    }

    public var seq: Int64 { metadata.seq }

    /// Writes the whole download, handing each written piece to `send`; returns the number of records.
    @discardableResult
    public func write(store: Store, to send: (inout ByteBuffer) async throws -> Void) async throws -> Int {
        var exporter = RecordExporter(format: format, terms: terms, metadata: metadata)
        var out = ByteBuffer()
        try exporter.begin(into: &out)
        var page = query
        repeat {
            let (records, next) = try await store.searchPage(page)
            for record in records {
                try exporter.add(id: record.id, version: record.version, dataset: record.dataset, fieldsJSON: record.fieldsJSON, into: &out)
            }
            try await send(&out)
            out.clear()
            page.cursor = next
        } while page.cursor != nil
        try exporter.finish(into: &out)
        try await send(&out)
        return exporter.count
    }
}
