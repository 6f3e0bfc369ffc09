import EmendCore
import Foundation
import GRDB

/// The terms search can filter, facet and sort on: each is a column of the records read model. `flag`, a record's
/// quality flags (`QualityCode`), filters and facets but does not sort: a record has any number of them.
public enum SearchTerm: String, CaseIterable, Sendable {
    case dataset, institutionCode, collectionCode, catalogNumber, scientificName, family, country, countryCode, year, flag

    public var sortable: Bool { self != .flag }

    var column: String {
        switch self {
        case .dataset: "dataset_id"
        case .institutionCode: "institution_code"
        case .collectionCode: "collection_code"
        case .catalogNumber: "catalog_number"
        case .scientificName: "scientific_name"
        case .family: "family"
        case .country: "country"
        case .countryCode: "country_code"
        case .year: "year"
        case .flag: "flags"
        }
    }
}

/// West, south, east, north in decimal degrees; west greater than east crosses the antimeridian.
public struct BoundingBox: Sendable, Equatable {
    public var minLongitude, minLatitude, maxLongitude, maxLatitude: Double

    public init(minLongitude: Double, minLatitude: Double, maxLongitude: Double, maxLatitude: Double) {
        self.minLongitude = minLongitude
        self.minLatitude = minLatitude
        self.maxLongitude = maxLongitude
        self.maxLatitude = maxLatitude
    }
}

/// Results in import order (nil term), or by a term, nulls last, ties in import order.
public struct SearchSort: Sendable, Equatable {
    public var term: SearchTerm?
    public var descending: Bool

    public init(term: SearchTerm? = nil, descending: Bool = false) {
        self.term = term
        self.descending = descending
    }

    /// `year`, `-year`, …; the empty text is import order.
    public var text: String { term.map { (descending ? "-" : "") + $0.rawValue } ?? "" }
}

public struct RecordQuery: Sendable, Equatable {
    public static let maxLimit = 1000

    /// Words to find in the taxon, place and people text; all must match; `word*` matches a prefix.
    public var text: String?
    /// Exact values by term (years go in `yearFrom`/`yearTo`); several values of one term match any of them.
    public var filters: [SearchTerm: [String]] = [:]
    public var yearFrom: Int?
    public var yearTo: Int?
    public var boundingBox: BoundingBox?
    public var hasCoordinates: Bool?
    public var facets: [SearchTerm] = []
    public var sort = SearchSort()
    public var limit = 20
    /// Where the previous page ended, as `next` gave it.
    public var cursor: String?
    /// Search the records as they were when the log ended here (from `Store.position(asOf:)`); nil for now.
    public var asOf: LogPosition?

    public init() {}
}

public struct RecordSummary: Sendable, Equatable {
    public var id: String
    public var version: Int64
    public var dataset: String
    /// The record's terms as the read model keeps them: canonical JSON, which an answer can carry as it is.
    public var fieldsJSON: String
    /// Its quality flags as the read model keeps them: a JSON array of codes, nil for none.
    public var flagsJSON: String?
    /// Its extension rows as the read model keeps them: canonical JSON `{rowType: [{term: value}]}`, nil for none.
    public var extensionsJSON: String?

    public var fields: [String: String] { (try? JSONParser.parse(fieldsJSON))?.stringMap ?? [:] }
    public var flags: [QualityCode] {
        ((flagsJSON.flatMap { try? JSONParser.parse($0) })?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(QualityCode.init) }
    }
}

public struct FacetCount: Sendable, Equatable {
    public var value: String
    public var count: Int
}

public struct SearchResult: Sendable, Equatable {
    public var total: Int
    public var records: [RecordSummary]
    /// The cursor of the next page; nil on the last.
    public var next: String?
    public var facets: [(term: SearchTerm, values: [FacetCount])]
    /// The query's `asOf`: where the log ended for this answer; nil for the records now.
    public var asOf: LogPosition?

    public static func == (a: SearchResult, b: SearchResult) -> Bool {
        a.total == b.total && a.records == b.records && a.next == b.next
            && a.facets.map(\.term) == b.facets.map(\.term) && a.facets.map(\.values) == b.facets.map(\.values) && a.asOf == b.asOf
    }
}

extension Store {
    public static let facetSize = 20

    /// One page of the records matching `query`, with the total and the facets. Pages follow a keyset cursor
    /// (the sort value and rowid of the last record shown), so a record changing elsewhere neither repeats nor
    /// hides the others.
    ///
    /// As of seq S, the same conditions run over other rows (`SearchSource`). The page comes from the rows of
    /// `records` unchanged since S and the versions in `record_history` current at S; a version keeps its record's
    /// rowid in either, so the order and the cursors are those the search had when the log ended at S. The total and
    /// the facets are those of now, less the rows of `records` changed since S, plus those versions: counting now
    /// keeps SQLite's quickest ways (a count of the whole table, of the full-text index alone, of a covering index),
    /// and the rest costs in proportion to the records changed since S, not to the records matched.
    public func search(_ query: RecordQuery) async throws -> SearchResult {
        let after = try query.cursor.map { try Self.decodeCursor($0, sort: query.sort, asOf: query.asOf) }
        return try await writer.read { db in
            let past = try query.asOf.map { try SearchSource.Past($0, db: db) }
            let (records, next) = try Self.page(db, query: query, past: past, after: after)
            let countSources =
                past.map { [SearchSource(.now), SearchSource(.changed, $0), SearchSource(.history, $0)] } ?? [SearchSource(.now)]
            let filters = try Self.filters(query, in: countSources)
            return SearchResult(
                total: try Self.total(db, query: query, sources: countSources, filters: filters), records: records, next: next,
                facets: try query.facets.map { term in (term, try Self.facet(db, term: term, sources: countSources, filters: filters)) },
                asOf: query.asOf)
        }
    }

    /// One page of the records matching `query`, as `search` gives it, without the total and the facets: what a
    /// download reads, page after page.
    public func searchPage(_ query: RecordQuery) async throws -> (records: [RecordSummary], next: String?) {
        let after = try query.cursor.map { try Self.decodeCursor($0, sort: query.sort, asOf: query.asOf) }
        return try await writer.read { db in
            try Self.page(db, query: query, past: try query.asOf.map { try SearchSource.Past($0, db: db) }, after: after)
        }
    }

    private static func page(
        _ db: Database, query: RecordQuery, past: SearchSource.Past?, after: (DatabaseValue, Int64)?
    ) throws -> (records: [RecordSummary], next: String?) {
        let sources = past.map { [SearchSource(.unchanged, $0), SearchSource(.history, $0)] } ?? [SearchSource(.now)]
        let rows = try Self.pageRows(db, query: query, sources: sources, filters: try Self.filters(query, in: sources), after: after)
        var next: String?
        if rows.count > query.limit {
            let last = rows[query.limit - 1]
            next = Self.encodeCursor(
                sort: query.sort, value: query.sort.term == nil ? .null : last["sort_value"], rowid: last["rowid"], asOf: query.asOf)
        }
        // By position, as `pageRows` selects them: by name, each value is a case-insensitive search of the columns.
        let records = rows.prefix(query.limit).map { row in
            RecordSummary(id: row[1], version: row[3], dataset: row[2], fieldsJSON: row[4], flagsJSON: row[5], extensionsJSON: row[6])
        }
        return (records, next)
    }

    /// Rows of a table a search reads, and whether they count for or against the total and the facets.
    struct SearchSource {
        enum Rows {
            /// Every row of `records`: the records now.
            case now
            /// The rows of `records` unchanged since the past seq: created by then and not revised since.
            case unchanged
            /// The rows of `records` created or revised since the past seq: counted out of the counts of now.
            case changed
            /// The versions in `record_history` current at the past seq.
            case history
        }

        /// A past seq, and the rowid of the last record the log had created by then.
        struct Past {
            var seq: Int64
            var lastRowid: Int64

            init(_ position: LogPosition, db: Database) throws {
                seq = position.seq
                lastRowid = try Store.lastRecordRowid(createdBy: position.seq, db: db)
            }
        }

        var rows: Rows
        var past: Past?

        init(_ rows: Rows, _ past: Past? = nil) {
            self.rows = rows
            self.past = past
        }

        var table: String { rows == .history ? "record_history" : "records" }

        var from: String {
            switch rows {
            case .now, .unchanged: "records"
            // Read by rowid: the records created since (the rowids after the last one then) and those revised since.
            // Through an index by term, SQLite would read every record the conditions match to find them.
            case .changed: "records NOT INDEXED"
            // By the versions superseded after S: few when S is recent, and the only ones needed there. Left to
            // itself, SQLite would read the primary key range seq ≤ S, nearly the whole table.
            case .history: "record_history INDEXED BY record_history_superseded"
            }
        }

        /// The record's rowid in `records`, whichever table the version comes from.
        var rowid: String { rows == .history ? "record_history.record_rowid" : "records.rowid" }

        /// A count of this source's rows adds to the counts as of the past seq, or takes away.
        var sign: Int { rows == .changed ? -1 : 1 }

        /// Rows with any of `count` quality flags (as many arguments).
        func flagged(_ count: Int) -> String {
            let codes = Array(repeating: "?", count: count).joined(separator: ", ")
            return switch rows {
            case .now, .unchanged: "records.rowid IN (SELECT record_rowid FROM record_flags WHERE code IN (\(codes)))"
            case .changed: "+records.rowid IN (SELECT record_rowid FROM record_flags WHERE code IN (\(codes)))"
            case .history: "EXISTS (SELECT 1 FROM json_each(record_history.flags) WHERE value IN (\(codes)))"
            }
        }

        /// Rows whose words match an FTS5 query (one argument).
        var fullText: String {
            switch rows {
            case .now, .unchanged: "records.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)"
            // The unary plus keeps SQLite from reading the rows by the full-text matches instead of by rowid.
            case .changed: "+records.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)"
            case .history: "record_history.seq IN (SELECT rowid FROM record_history_fts WHERE record_history_fts MATCH ?)"
            }
        }

        /// The conditions that select this source's rows.
        var selected: Conditions {
            var conditions = Conditions()
            guard let past else { return conditions }
            let revisedSince = "SELECT record_rowid FROM record_history WHERE superseded_seq > ?"
            switch rows {
            case .now:
                break
            case .unchanged:
                // Only checks on the rows the plan of the search of now visits, from an index entry's rowid alone: the
                // unary plus keeps SQLite from reading the table in rowid order instead of a smaller index, and the
                // records revised since are a set built once from a covering index.
                conditions.add("+records.rowid <= ?", [past.lastRowid])
                conditions.add("records.rowid NOT IN (\(revisedSince))", [past.seq])
            case .changed:
                conditions.add("(records.rowid > ? OR records.rowid IN (\(revisedSince)))", [past.lastRowid, past.seq])
            case .history:
                conditions.add("record_history.seq <= ? AND record_history.superseded_seq > ?", [past.seq, past.seq])
            }
            return conditions
        }
    }

    /// For each source, the conditions on its rows: which rows it has, and what the query asks for.
    static func filters(_ query: RecordQuery, in sources: [SearchSource]) throws -> [Conditions] {
        try sources.map { source in
            var filter = source.selected
            filter.append(try conditions(query, in: source))
            return filter
        }
    }

    /// The page's rows, one more than the limit when there are more. From several sources, each gives its own first
    /// rows in the page's order, and those are merged.
    private static func pageRows(
        _ db: Database, query: RecordQuery, sources: [SearchSource], filters: [Conditions], after: (DatabaseValue, Int64)?
    ) throws -> [Row] {
        var arms: [String] = []
        var arguments = StatementArguments()
        for (source, filter) in zip(sources, filters) {
            let sortColumn = query.sort.term.map { "\(source.table).\($0.column)" }
            var page = filter
            if let (value, rowid) = after {
                page.add(keyset(column: sortColumn, rowidColumn: source.rowid, descending: query.sort.descending, after: value, rowid: rowid))
            }
            arms.append(
                """
                SELECT \(source.rowid) AS rowid, id, dataset_id, version, fields, flags, extensions, seq\(sortColumn.map { ", \($0) AS sort_value" } ?? "")
                FROM \(source.from) WHERE \(page.sql)
                ORDER BY \(order(column: sortColumn, rowid: source.rowid, descending: query.sort.descending)) LIMIT \(query.limit + 1)
                """)
            arguments += page.arguments
        }
        let pageOrder = order(column: query.sort.term == nil ? nil : "sort_value", rowid: "rowid", descending: query.sort.descending)
        let page =
            arms.count == 1
            ? arms[0]
            : """
            SELECT * FROM (\(arms.map { "SELECT * FROM (\($0))" }.joined(separator: " UNION ALL ")))
            ORDER BY \(pageOrder) LIMIT \(query.limit + 1)
            """
        // The fields an imported version leaves to its event are read for the page's rows alone, once they are chosen:
        // the outer ORDER BY keeps SQLite from folding this into the page's query, whose sort would read them for
        // every match.
        let sql = """
            SELECT rowid, id, dataset_id, version, \(RecordRow.fieldsSQL("page")) AS fields, flags, extensions\(query.sort.term == nil ? "" : ", sort_value")
            FROM (\(page)) AS page ORDER BY \(pageOrder)
            """
        return try Row.fetchAll(db, sql: sql, arguments: arguments)
    }

    /// Records in import order, or by a column, nulls last, ties in import order.
    static func order(column: String?, rowid: String, descending: Bool) -> String {
        column.map { "(\($0) IS NULL), \($0) \(descending ? "DESC" : "ASC"), \(rowid)" } ?? rowid
    }

    /// SQL conditions joined by AND, with their arguments.
    struct Conditions {
        var parts: [String] = []
        var arguments = StatementArguments()

        var sql: String { parts.isEmpty ? "1" : parts.joined(separator: " AND ") }

        mutating func add(_ part: String, _ values: [(any DatabaseValueConvertible)?] = []) {
            parts.append(part)
            arguments += StatementArguments(values)
        }

        mutating func add(_ other: Conditions) {
            parts.append("(\(other.sql))")
            arguments += other.arguments
        }

        /// Adds the other's conditions as they are: each stands on its own.
        mutating func append(_ other: Conditions) {
            parts += other.parts
            arguments += other.arguments
        }
    }

    /// The query's conditions on the rows of `source`.
    private static func conditions(_ query: RecordQuery, in source: SearchSource) throws -> Conditions {
        let table = source.table
        var conditions = Conditions()
        if let text = query.text {
            conditions.add(source.fullText, [try ftsQuery(text)])
        }
        if let codes = query.filters[.flag], !codes.isEmpty {
            conditions.add(source.flagged(codes.count), codes)
        }
        for term in SearchTerm.allCases where term != .year && term != .flag {
            guard let values = query.filters[term], !values.isEmpty else { continue }
            let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
            conditions.add("\(table).\(term.column) IN (\(placeholders))", values)
        }
        if let from = query.yearFrom { conditions.add("\(table).year >= ?", [from]) }
        if let to = query.yearTo { conditions.add("\(table).year <= ?", [to]) }
        if let box = query.boundingBox {
            conditions.add("\(table).decimal_latitude BETWEEN ? AND ?", [box.minLatitude, box.maxLatitude])
            if box.minLongitude <= box.maxLongitude {
                conditions.add("\(table).decimal_longitude BETWEEN ? AND ?", [box.minLongitude, box.maxLongitude])
            } else {
                conditions.add("(\(table).decimal_longitude >= ? OR \(table).decimal_longitude <= ?)", [box.minLongitude, box.maxLongitude])
            }
        }
        if let hasCoordinates = query.hasCoordinates {
            conditions.add("\(table).decimal_latitude IS \(hasCoordinates ? "NOT " : "")NULL")
        }
        return conditions
    }

    /// Each word quoted, so that nothing a user types is FTS5 syntax; a trailing `*` keeps its prefix meaning.
    private static func ftsQuery(_ text: String) throws -> String {
        var words: [String] = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            let prefix = word.hasSuffix("*")
            let core = word.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "." || $0 == "'" }
            guard !core.isEmpty else { continue }
            words.append("\"\(String(String.UnicodeScalarView(core)).replacingOccurrences(of: "\"", with: "\"\""))\"" + (prefix ? "*" : ""))
        }
        guard !words.isEmpty else { throw InvalidInput(field: "q", reason: "has no words to search for") }
        return words.joined(separator: " ")
    }

    private static func total(_ db: Database, query: RecordQuery, sources: [SearchSource], filters: [Conditions]) throws -> Int {
        var total = 0
        for (source, filter) in zip(sources, filters) {
            let count: Int
            // The full-text index holds one row per record, so a text-only search counts there without touching records.
            if let text = query.text, source.rows == .now, try conditions(query, in: source).parts.count == 1 {
                count = try Int.fetchOne(db, sql: "SELECT count(*) FROM records_fts WHERE records_fts MATCH ?", arguments: [try ftsQuery(text)]) ?? 0
            } else {
                count = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(source.from) WHERE \(filter.sql)", arguments: filter.arguments) ?? 0
            }
            total += source.sign * count
        }
        return total
    }

    /// The commonest values of a term among the matches. From several sources, each counts its own, and the counts
    /// are added up.
    private static func facet(_ db: Database, term: SearchTerm, sources: [SearchSource], filters: [Conditions]) throws -> [FacetCount] {
        // Over every record now, a term the statistics count is read from its counts (a million records' four facets
        // took 0.9 s by their indexes).
        if sources.map(\.rows) == [.now], filters.allSatisfy(\.parts.isEmpty), let counted = CountedTerm(rawValue: term.rawValue) {
            return try Row.fetchAll(
                db, sql: "SELECT value, n FROM record_counts WHERE dimension = ? AND value != '' ORDER BY n DESC, value LIMIT \(facetSize)",
                arguments: [counted.rawValue]
            ).map { FacetCount(value: $0["value"], count: $0["n"]) }
        }
        var arms: [String] = []
        var arguments = StatementArguments()
        for (source, filter) in zip(sources, filters) {
            let column = "\(source.table).\(term.column)"
            arguments += filter.arguments
            guard term != .flag else {
                // A record counts once under each of its flags, which their index holds. Over the records now that a
                // filter matches, the index's entries of the rowids the filter gives: on a million records (377,000
                // flags), the 300,000 of 1900-1950 took 0.43 s over HTTP so and 0.81 s reading each match's flags
                // column; a country's 7,000 take 61 ms so, 26 ms by column, as the whole index is read. The versions of a
                // past seq are few: the column of each.
                if source.rows == .now {
                    arms.append(
                        filter.parts.isEmpty
                            ? "SELECT code AS value, count(*) AS n FROM record_flags GROUP BY 1"
                            : """
                            SELECT code AS value, count(*) AS n FROM record_flags
                            WHERE record_rowid IN (SELECT records.rowid FROM records WHERE \(filter.sql)) GROUP BY 1
                            """)
                } else {
                    arms.append(
                        """
                        SELECT flag.value AS value, \(source.sign < 0 ? "-" : "")count(*) AS n FROM \(source.from), json_each(\(column)) AS flag
                        WHERE \(filter.sql) AND \(column) IS NOT NULL GROUP BY 1
                        """)
                }
                continue
            }
            arms.append(
                """
                SELECT \(column) AS value, \(source.sign < 0 ? "-" : "")count(*) AS n FROM \(source.from)
                WHERE \(filter.sql) AND \(column) IS NOT NULL GROUP BY 1
                """)
        }
        let counts =
            arms.count == 1 ? arms[0] : "SELECT value, sum(n) AS n FROM (\(arms.joined(separator: " UNION ALL "))) GROUP BY 1 HAVING sum(n) > 0"
        return try Row.fetchAll(db, sql: "\(counts) ORDER BY n DESC, value LIMIT \(facetSize)", arguments: arguments).map { row in
            FacetCount(value: (row["value"] as DatabaseValue).description(asText: true), count: row["n"])
        }
    }

    /// The rows after (value, rowid) in the order `(column IS NULL), column [DESC], rowid`.
    private static func keyset(
        column: String?, rowidColumn: String, descending: Bool, after value: DatabaseValue, rowid: Int64
    ) -> Conditions {
        var conditions = Conditions()
        guard let column else {
            conditions.add("\(rowidColumn) > ?", [rowid])
            return conditions
        }
        if value.isNull {
            conditions.add("\(column) IS NULL AND \(rowidColumn) > ?", [rowid])
        } else {
            let beyond = descending ? "<" : ">"
            conditions.add("(\(column) \(beyond) ? OR (\(column) = ? AND \(rowidColumn) > ?) OR \(column) IS NULL)", [value, value, rowid])
        }
        return conditions
    }

    /// base64url of the canonical JSON `[sort, value, rowid]`, and the seq of a search as of the past after those:
    /// a cursor goes on only the search it came from.
    static func encodeCursor(sort: SearchSort, value: DatabaseValue, rowid: Int64, asOf: LogPosition?) -> String {
        let sortValue: JSONValue = switch value.storage {
        case .int64(let number): .int(number)
        case .string(let text): .string(text)
        default: .null
        }
        let json = CanonicalJSON.encode(.array([.string(sort.text), sortValue, .int(rowid)] + (asOf.map { [.int($0.seq)] } ?? [])))
        return Data(json).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func decodeCursor(_ cursor: String, sort: SearchSort, asOf: LogPosition?) throws -> (DatabaseValue, Int64) {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let parsed = try? JSONParser.parse([UInt8](data)),
            let parts = parsed.arrayValue, parts.count == 3 || (parts.count == 4 && parts[3].intValue != nil),
            let sortText = parts[0].stringValue, let rowid = parts[2].intValue
        else { throw InvalidInput(field: "cursor", reason: "not a cursor this API gave") }
        guard sortText == sort.text else {
            throw InvalidInput(field: "cursor", reason: "belongs to sort \"\(sortText)\", not \"\(sort.text)\"")
        }
        let cursorAsOf = parts.count == 4 ? parts[3].intValue : nil
        guard cursorAsOf == asOf?.seq else {
            func search(_ seq: Int64?) -> String { seq.map { "the search as of seq \($0)" } ?? "the search of the records now" }
            throw InvalidInput(field: "cursor", reason: "belongs to \(search(cursorAsOf)), not \(search(asOf?.seq)): give the same asOf")
        }
        let value: DatabaseValue = switch parts[1] {
        case .int(let number): number.databaseValue
        case .string(let text): text.databaseValue
        default: .null
        }
        return (value, rowid)
    }
}

extension DatabaseValue {
    /// The value as text: facets show years and names alike.
    fileprivate func description(asText: Bool) -> String {
        switch storage {
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .string(let text): text
        case .blob, .null: ""
        }
    }
}
