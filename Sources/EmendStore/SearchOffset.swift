import EmendCore
import GRDB

/// Where a search's page at an offset starts, for APIs that page by offset (CKAN's `datastore_search`).
public enum SearchStart: Sendable, Equatable {
    /// The page starts after this cursor; nil: at the first record.
    case cursor(String?)
    /// The offset is at or past the last match: the page is empty.
    case pastTheEnd
}

extension Store {
    /// The cursor of the record just before the `offset`-th match of `query` (of the records now), so that
    /// `search` with it gives the page at `offset`: one statement that steps over `offset` index entries, not
    /// `offset` records read and thrown away.
    public func searchStart(_ query: RecordQuery, offset: Int) async throws -> SearchStart {
        guard query.asOf == nil else { throw InvalidInput(field: "offset", reason: "offset paging is of the records now, not as of the past") }
        guard offset > 0 else { return .cursor(nil) }
        return try await writer.read { db in
            let source = SearchSource(.now)
            let filter = try Self.filters(query, in: [source])[0]
            let sortColumn = query.sort.term.map { "records.\($0.column)" }
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT records.rowid AS rowid\(sortColumn.map { ", \($0) AS sort_value" } ?? "") FROM records WHERE \(filter.sql)
                    ORDER BY \(Self.order(column: sortColumn, rowid: "records.rowid", descending: query.sort.descending)) LIMIT 1 OFFSET ?
                    """, arguments: filter.arguments + [offset - 1])
            guard let row else { return .pastTheEnd }
            return .cursor(
                Self.encodeCursor(
                    sort: query.sort, value: sortColumn == nil ? .null : row["sort_value"], rowid: row["rowid"], asOf: nil))
        }
    }
}
