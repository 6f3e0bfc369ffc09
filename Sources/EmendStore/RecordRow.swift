import EmendCore
import Foundation
import GRDB

/// A row of the `records` read model: the current version of a record, with the columns search indexes use.
struct RecordRow {
    var rowid: Int64 = 0
    var state: RecordState
    var seq: Int64
    /// `state.fields` as canonical JSON when that text is at hand already (the `fields` of a RecordImported
    /// event's canonical data), so that it is not encoded again.
    var fieldsJSON: String?

    init(state: RecordState, seq: Int64, fieldsJSON: String? = nil) {
        self.state = state
        self.seq = seq
        self.fieldsJSON = fieldsJSON
    }

    /// The row of a RecordImported event, read from the event's stored (canonical) data without building a
    /// `JSONValue`: the same row as folding the parsed event. Nil for data this reading does not cover
    /// (extension rows, values that are not strings), which the caller folds the usual way.
    static func imported(
        id: String, seq: Int64, streamVersion: Int64, data: UnsafeBufferPointer<UInt8>
    ) throws(JSONParser.Failure) -> RecordRow? {
        var dataset: String?
        var fields: (map: [String: String], text: String)?
        var plain = true
        try JSONParser.forEachMember(data) { key, parser throws(JSONParser.Failure) in
            switch key {
            case "dataset":
                if case .string(let text) = try parser.readValue() { dataset = text } else { plain = false }
            case "fields":
                let start = parser.offset
                if let map = try parser.readStringMap() {
                    fields = (map, String(decoding: UnsafeBufferPointer(rebasing: data[start..<parser.offset]), as: UTF8.self))
                } else {
                    plain = false
                }
            case "extensions":
                plain = false
                try parser.skip()
            default:
                try parser.skip()
            }
        }
        guard plain else { return nil }
        guard let dataset, let fields else { return nil }
        return RecordRow(
            state: RecordState(id: id, dataset: dataset, version: streamVersion, fields: fields.map, extensions: [:]),
            seq: seq, fieldsJSON: fields.text)
    }

    static func fetch(id: String, db: Database) throws -> RecordRow? {
        let statement = try db.cachedStatement(
            sql: "SELECT rowid, dataset_id, version, seq, fields, extensions FROM records WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
        var record = RecordRow(
            state: RecordState(
                id: id, dataset: row["dataset_id"], version: row["version"],
                fields: try parseObject(row["fields"]).stringMap ?? [:],
                extensions: RecordState.extensions(from: try (row["extensions"] as String?).map(parseObject))),
            seq: row["seq"])
        record.rowid = row["rowid"]
        return record
    }

    private static func parseObject(_ text: String) throws -> JSONValue {
        do { return try JSONParser.parse(text) } catch { throw StoreError.corrupt(seq: nil, reason: "records: \(error)") }
    }

    /// The text the full-text index holds, by column: taxon, place, people.
    var searchText: [String] {
        func join(_ terms: [String]) -> String {
            var text = ""
            for term in terms {
                guard let value = state.fields[term], !value.isEmpty else { continue }
                if !text.isEmpty { text += " " }
                text += value
            }
            return text
        }
        return [
            join(Self.taxonTerms), join(Self.placeTerms), join(Self.peopleTerms),
        ]
    }

    private static let taxonTerms = ["scientificName", "vernacularName", "genus", "family", "order", "class", "phylum", "kingdom"]
    private static let placeTerms = [
        "country", "stateProvince", "county", "municipality", "locality", "verbatimLocality", "island", "waterBody",
    ]
    private static let peopleTerms = ["recordedBy", "identifiedBy"]

    /// Decimal degrees when both are present and in range; the quality checks deal with the rest.
    var coordinates: (latitude: Double, longitude: Double)? {
        guard let latitude = state.fields["decimalLatitude"].flatMap(Double.init),
            let longitude = state.fields["decimalLongitude"].flatMap(Double.init),
            (-90...90).contains(latitude), (-180...180).contains(longitude)
        else { return nil }
        return (latitude, longitude)
    }

    /// The year collected: `year`, or the year `eventDate` starts with.
    var year: Int? {
        if let year = state.fields["year"].flatMap({ Int(Self.trimmingSpaces($0)) }) { return year }
        guard let date = state.fields["eventDate"], date.utf8.count >= 4 else { return nil }
        return Int(date.prefix(4))
    }

    /// `text.trimmingCharacters(in: .whitespaces)` (tabs and Unicode space separators), without Foundation's
    /// cost in the usual case of nothing to trim.
    private static func trimmingSpaces(_ text: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar?) -> Bool {
            guard let scalar else { return false }
            return scalar.isASCII ? scalar == " " || scalar == "\t" : scalar.properties.generalCategory == .spaceSeparator
        }
        guard isSpace(text.unicodeScalars.first) || isSpace(text.unicodeScalars.last) else { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The stored columns, in the order of `columns`.
    var values: [DatabaseValue] {
        let fields = state.fields
        func value(_ term: String) -> DatabaseValue {
            guard let text = fields[term], !text.isEmpty else { return .null }
            return text.databaseValue
        }
        let coordinates = coordinates
        return [
            state.id.databaseValue, state.dataset.databaseValue, state.version.databaseValue, seq.databaseValue,
            (fieldsJSON ?? CanonicalJSON.string(fields)).databaseValue,
            state.extensions.isEmpty ? .null : CanonicalJSON.string(RecordState.json(state.extensions)).databaseValue,
            value("institutionCode"), value("collectionCode"), value("catalogNumber"), value("scientificName"),
            value("family"), value("country"), value("countryCode"), year.databaseValue,
            coordinates?.latitude.databaseValue ?? .null, coordinates?.longitude.databaseValue ?? .null,
        ]
    }

    /// The stored columns, by name, as this row would write them.
    var databaseValues: [(String, DatabaseValue)] {
        Array(zip(Self.columnNames, values))
    }

    static let columnNames = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }

    static let columns = """
        id, dataset_id, version, seq, fields, extensions, institution_code, collection_code, catalog_number,
        scientific_name, family, country, country_code, year, decimal_latitude, decimal_longitude
        """

    /// What `insert` writes, computed ahead: bulk paths prepare rows on one thread and write them on another.
    var prepared: Prepared { Prepared(values: values, searchText: searchText.map(\.databaseValue)) }

    struct Prepared: Sendable {
        var values: [DatabaseValue]
        var searchText: [DatabaseValue]
    }

    func insert(db: Database) throws {
        try Writer(db).insert(prepared)
    }

    /// Inserts rows and their full-text entries, with statements prepared once.
    struct Writer {
        private let db: Database
        private let row: Statement
        private let fullText: Statement

        init(_ db: Database) throws {
            self.db = db
            row = try db.cachedStatement(
                sql: "INSERT INTO records (\(RecordRow.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            fullText = try db.cachedStatement(sql: RecordRow.insertFullText)
        }

        func insert(_ prepared: Prepared) throws {
            try row.executeBulk(prepared.values, db: db)
            fullText.bind(db.lastInsertedRowID.databaseValue, at: 1)
            for (index, text) in prepared.searchText.enumerated() { fullText.bind(text, at: Int32(index + 2)) }
            try fullText.executeBound(db: db)
        }
    }

    /// An UPDATE, not a REPLACE: SQLite runs no DELETE trigger for the row a REPLACE removes, so the triggers that
    /// keep `record_counts` and `record_cells` see a revision only as an update (OLD and NEW).
    func update(rowid: Int64, db: Database) throws {
        try db.cachedStatement(
            sql: "UPDATE records SET (\(Self.columns)) = (\(Self.columnNames.map { _ in "?" }.joined(separator: ", "))) WHERE rowid = ?"
        ).executeBulk(values + [rowid.databaseValue], db: db)
        try db.cachedStatement(sql: Self.insertFullText).executeBulk([rowid.databaseValue] + searchText.map(\.databaseValue), db: db)
    }

    private static let insertFullText = "INSERT INTO records_fts (rowid, taxon, place, people) VALUES (?, ?, ?, ?)"

    /// A contentless FTS5 table forgets a row only when told the text it was given.
    func removeFromIndexes(db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO records_fts (records_fts, rowid, taxon, place, people) VALUES ('delete', ?, ?, ?, ?)"
        ).executeBulk([rowid.databaseValue] + searchText.map(\.databaseValue), db: db)
    }
}
