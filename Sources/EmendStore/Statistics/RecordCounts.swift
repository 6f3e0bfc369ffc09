import EmendCore
import GRDB

/// The terms the statistics count the records by: the dimensions of `record_counts`.
public enum CountedTerm: String, CaseIterable, Sendable {
    case kingdom, phylum, family, country, basisOfRecord, institutionCode
    /// The institution and collection codes together, as `INSTITUTION:COLLECTION`.
    case collection
    /// The year collected, as the records' `year` column holds it (`year`, or the year `eventDate` starts with).
    case year
}

/// `record_counts` and `record_cells` (migration 17): what the triggers on `records` keep, and the same as a
/// GROUP BY over any rows of `records` or `record_history` (which have the same columns), for rebuilding the
/// tables, for checking them, and for counting the rows that differ as of a past seq.
enum RecordCounts {
    /// `record_counts` of the rows of `from` (named `table` in `condition`) that `condition` selects, as rows of
    /// dimension, value, n. One GROUP BY per dimension, so that those read from a column can go by its index.
    static func tally(table: String, from: String, where condition: String) -> String {
        let values = [
            ("kingdom", "coalesce(json_extract(\(table).fields, '$.kingdom'), '')"),
            ("phylum", "coalesce(json_extract(\(table).fields, '$.phylum'), '')"),
            ("family", "coalesce(\(table).family, '')"),
            ("country", "coalesce(\(table).country, '')"),
            ("basisOfRecord", "coalesce(json_extract(\(table).fields, '$.basisOfRecord'), '')"),
            ("institutionCode", "coalesce(\(table).institution_code, '')"),
            ("collection", "coalesce(\(table).institution_code, '') || ':' || coalesce(\(table).collection_code, '')"),
            ("year", "CAST(coalesce(\(table).year, '') AS TEXT)"),
        ]
        return values.map { dimension, value in
            "SELECT '\(dimension)' AS dimension, \(value) AS value, count(*) AS n FROM \(from) WHERE \(condition) GROUP BY 2"
        }.joined(separator: "\nUNION ALL ")
    }

    /// How many times `tally` repeats the condition (its arguments are needed as often).
    static let tallyArms = CountedTerm.allCases.count

    /// `record_cells` of the selected rows: latitude, longitude (of the 1° cell's south-west corner), n.
    static func cells(table: String, from: String, where condition: String) -> String {
        """
        SELECT min(89, CAST(floor(\(table).decimal_latitude) AS INTEGER)) AS latitude,
          min(179, CAST(floor(\(table).decimal_longitude) AS INTEGER)) AS longitude, count(*) AS n
        FROM \(from) WHERE (\(condition)) AND \(table).decimal_latitude IS NOT NULL AND \(table).decimal_longitude IS NOT NULL
        GROUP BY 1, 2
        """
    }

    /// Fills both tables from the records: after a migration, or a bulk load that ran without the triggers.
    static func rebuild(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM record_counts; DELETE FROM record_cells")
        try db.execute(sql: "INSERT INTO record_counts (dimension, value, n) \(tally(table: "records", from: "records", where: "1"))")
        try db.execute(sql: "INSERT INTO record_cells (latitude, longitude, n) \(cells(table: "records", from: "records", where: "1"))")
    }

    /// The triggers that keep the tables (migration 17).
    static let triggers = ["record_counts_insert", "record_counts_update"]

    /// Drops the triggers for a bulk load into an empty records table; returns the SQL that makes them again.
    /// On a million records, counting them once at the end costs about a third of what the triggers cost.
    static func dropTriggers(_ db: Database) throws -> [String] {
        let made = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'records' AND name IN (?, ?) ORDER BY name",
            arguments: StatementArguments(triggers))
        for name in triggers { try db.execute(sql: "DROP TRIGGER IF EXISTS \(name)") }
        return made
    }

    /// Makes the triggers again and counts the records loaded without them.
    static func restoreTriggers(_ sql: [String], db: Database) throws {
        for trigger in sql { try db.execute(sql: trigger) }
        try rebuild(db)
    }

    /// Both tables must equal the GROUP BY over the records now.
    static func verify(_ db: Database) throws {
        let counted = try Row.fetchAll(db, sql: "SELECT * FROM (\(tally(table: "records", from: "records", where: "1"))) ORDER BY 1, 2")
        guard try Row.fetchAll(db, sql: "SELECT dimension, value, n FROM record_counts ORDER BY 1, 2") == counted else {
            throw StoreError.corrupt(seq: nil, reason: "record_counts differs from the records counted by term")
        }
        let cells = try Row.fetchAll(db, sql: "SELECT * FROM (\(cells(table: "records", from: "records", where: "1"))) ORDER BY 1, 2")
        guard try Row.fetchAll(db, sql: "SELECT latitude, longitude, n FROM record_cells ORDER BY 1, 2") == cells else {
            throw StoreError.corrupt(seq: nil, reason: "record_cells differs from the records counted by 1° cell")
        }
    }
}
