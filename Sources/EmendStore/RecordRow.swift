import EmendCore
import Foundation
import GRDB

/// A row of the `records` read model: the current version of a record, with the columns search indexes use.
struct RecordRow {
    var rowid: Int64 = 0
    var state: RecordState
    var seq: Int64

    init(state: RecordState, seq: Int64) {
        self.state = state
        self.seq = seq
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
            terms.compactMap { state.fields[$0] }.filter { !$0.isEmpty }.joined(separator: " ")
        }
        return [
            join(["scientificName", "vernacularName", "genus", "family", "order", "class", "phylum", "kingdom"]),
            join(["country", "stateProvince", "county", "municipality", "locality", "verbatimLocality", "island", "waterBody"]),
            join(["recordedBy", "identifiedBy"]),
        ]
    }

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
        if let year = state.fields["year"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) { return year }
        guard let date = state.fields["eventDate"], date.utf8.count >= 4 else { return nil }
        return Int(date.prefix(4))
    }

    private var arguments: StatementArguments { StatementArguments(values) }

    private var values: [(any DatabaseValueConvertible)?] {
        let fields = state.fields
        func value(_ term: String) -> String? { fields[term].flatMap { $0.isEmpty ? nil : $0 } }
        return [
            state.id, state.dataset, state.version, seq, CanonicalJSON.string(fields),
            state.extensions.isEmpty ? nil : CanonicalJSON.string(RecordState.json(state.extensions)),
            value("institutionCode"), value("collectionCode"), value("catalogNumber"), value("scientificName"),
            value("family"), value("country"), value("countryCode"), year, coordinates?.latitude,
            coordinates?.longitude,
        ]
    }

    /// The stored columns, by name, as this row would write them.
    var databaseValues: [(String, DatabaseValue)] {
        Array(zip(Self.columnNames, values.map { $0?.databaseValue ?? .null }))
    }

    private static let columnNames = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }

    private static let columns = """
        id, dataset_id, version, seq, fields, extensions, institution_code, collection_code, catalog_number,
        scientific_name, family, country, country_code, year, decimal_latitude, decimal_longitude
        """

    func insert(db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO records (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        statement.setUncheckedArguments(arguments)
        try statement.execute()
        try addToIndexes(rowid: db.lastInsertedRowID, db: db)
    }

    func update(rowid: Int64, db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "REPLACE INTO records (rowid, \(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        statement.setUncheckedArguments(StatementArguments([rowid] + values))
        try statement.execute()
        try addToIndexes(rowid: rowid, db: db)
    }

    private func addToIndexes(rowid: Int64, db: Database) throws {
        let fts = try db.cachedStatement(sql: "INSERT INTO records_fts (rowid, taxon, place, people) VALUES (?, ?, ?, ?)")
        fts.setUncheckedArguments(StatementArguments([rowid] + searchText))
        try fts.execute()
    }

    /// A contentless FTS5 table forgets a row only when told the text it was given.
    func removeFromIndexes(db: Database) throws {
        let fts = try db.cachedStatement(
            sql: "INSERT INTO records_fts (records_fts, rowid, taxon, place, people) VALUES ('delete', ?, ?, ?, ?)")
        fts.setUncheckedArguments(StatementArguments([rowid] + searchText))
        try fts.execute()
    }
}
