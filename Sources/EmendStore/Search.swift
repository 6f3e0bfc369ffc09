import EmendCore
import Foundation
import GRDB

/// The terms search can filter, facet and sort on: each is a column of the records read model.
public enum SearchTerm: String, CaseIterable, Sendable {
    case dataset, institutionCode, collectionCode, catalogNumber, scientificName, family, country, countryCode, year

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

    public init() {}
}

public struct RecordSummary: Sendable, Equatable {
    public var id: String
    public var version: Int64
    public var dataset: String
    /// The record's terms as the read model keeps them: canonical JSON, which an answer can carry as it is.
    public var fieldsJSON: String

    public var fields: [String: String] { (try? JSONParser.parse(fieldsJSON))?.stringMap ?? [:] }
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

    public static func == (a: SearchResult, b: SearchResult) -> Bool {
        a.total == b.total && a.records == b.records && a.next == b.next
            && a.facets.map(\.term) == b.facets.map(\.term) && a.facets.map(\.values) == b.facets.map(\.values)
    }
}

extension Store {
    public static let facetSize = 20

    /// One page of the records matching `query`, with the total and the facets. Pages follow a keyset cursor
    /// (the sort value and rowid of the last record shown), so a record changing elsewhere neither repeats nor
    /// hides the others.
    public func search(_ query: RecordQuery) async throws -> SearchResult {
        let filter = try Self.conditions(query)
        let sortColumn = query.sort.term.map { "records.\($0.column)" }
        var keyset = filter
        if let cursor = query.cursor {
            let (value, rowid) = try Self.decodeCursor(cursor, sort: query.sort)
            keyset.add(Self.keyset(column: sortColumn, descending: query.sort.descending, after: value, rowid: rowid))
        }
        let order = sortColumn.map { "(\($0) IS NULL), \($0) \(query.sort.descending ? "DESC" : "ASC"), records.rowid" } ?? "records.rowid"
        let page = keyset
        return try await writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT records.rowid AS rowid, id, dataset_id, version, fields\(sortColumn.map { ", \($0) AS sort_value" } ?? "")
                    FROM records WHERE \(page.sql) ORDER BY \(order) LIMIT \(query.limit + 1)
                    """,
                arguments: page.arguments)
            var next: String?
            if rows.count > query.limit {
                let last = rows[query.limit - 1]
                next = Self.encodeCursor(
                    sort: query.sort, value: sortColumn == nil ? .null : last["sort_value"], rowid: last["rowid"])
            }
            let records = rows.prefix(query.limit).map { row in
                RecordSummary(id: row["id"], version: row["version"], dataset: row["dataset_id"], fieldsJSON: row["fields"])
            }
            return SearchResult(
                total: try Self.total(db, query: query, filter: filter), records: records, next: next,
                facets: try query.facets.map { term in (term, try Self.facet(db, term: term, filter: filter)) })
        }
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
    }

    private static func conditions(_ query: RecordQuery) throws -> Conditions {
        var conditions = Conditions()
        if let text = query.text {
            conditions.add("records.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)", [try ftsQuery(text)])
        }
        for term in SearchTerm.allCases where term != .year {
            guard let values = query.filters[term], !values.isEmpty else { continue }
            let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
            conditions.add("records.\(term.column) IN (\(placeholders))", values)
        }
        if let from = query.yearFrom { conditions.add("records.year >= ?", [from]) }
        if let to = query.yearTo { conditions.add("records.year <= ?", [to]) }
        if let box = query.boundingBox {
            conditions.add("records.decimal_latitude BETWEEN ? AND ?", [box.minLatitude, box.maxLatitude])
            if box.minLongitude <= box.maxLongitude {
                conditions.add("records.decimal_longitude BETWEEN ? AND ?", [box.minLongitude, box.maxLongitude])
            } else {
                conditions.add("(records.decimal_longitude >= ? OR records.decimal_longitude <= ?)", [box.minLongitude, box.maxLongitude])
            }
        }
        if let hasCoordinates = query.hasCoordinates {
            conditions.add("records.decimal_latitude IS \(hasCoordinates ? "NOT " : "")NULL")
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

    private static func total(_ db: Database, query: RecordQuery, filter: Conditions) throws -> Int {
        // The full-text index holds one row per record, so a text-only search counts there without touching records.
        if let text = query.text, filter.parts.count == 1 {
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM records_fts WHERE records_fts MATCH ?", arguments: [try ftsQuery(text)]) ?? 0
        }
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM records WHERE \(filter.sql)", arguments: filter.arguments) ?? 0
    }

    private static func facet(_ db: Database, term: SearchTerm, filter: Conditions) throws -> [FacetCount] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT records.\(term.column) AS value, count(*) AS n FROM records
                WHERE \(filter.sql) AND records.\(term.column) IS NOT NULL
                GROUP BY 1 ORDER BY n DESC, value LIMIT \(facetSize)
                """,
            arguments: filter.arguments
        ).map { row in FacetCount(value: (row["value"] as DatabaseValue).description(asText: true), count: row["n"]) }
    }

    /// The rows after (value, rowid) in the order `(column IS NULL), column [DESC], rowid`.
    private static func keyset(column: String?, descending: Bool, after value: DatabaseValue, rowid: Int64) -> Conditions {
        var conditions = Conditions()
        guard let column else {
            conditions.add("records.rowid > ?", [rowid])
            return conditions
        }
        if value.isNull {
            conditions.add("\(column) IS NULL AND records.rowid > ?", [rowid])
        } else {
            let beyond = descending ? "<" : ">"
            conditions.add("(\(column) \(beyond) ? OR (\(column) = ? AND records.rowid > ?) OR \(column) IS NULL)", [value, value, rowid])
        }
        return conditions
    }

    /// base64url of the canonical JSON `[sort, value, rowid]`.
    private static func encodeCursor(sort: SearchSort, value: DatabaseValue, rowid: Int64) -> String {
        let sortValue: JSONValue = switch value.storage {
        case .int64(let number): .int(number)
        case .string(let text): .string(text)
        default: .null
        }
        let json = CanonicalJSON.encode([.string(sort.text), sortValue, .int(rowid)])
        return Data(json).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func decodeCursor(_ cursor: String, sort: SearchSort) throws -> (DatabaseValue, Int64) {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let parsed = try? JSONParser.parse([UInt8](data)),
            let parts = parsed.arrayValue, parts.count == 3, let sortText = parts[0].stringValue, let rowid = parts[2].intValue
        else { throw InvalidInput(field: "cursor", reason: "not a cursor this API gave") }
        guard sortText == sort.text else {
            throw InvalidInput(field: "cursor", reason: "belongs to sort \"\(sortText)\", not \"\(sort.text)\"")
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
