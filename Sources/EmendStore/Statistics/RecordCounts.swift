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
    static func tally(table: String, from: String, where condition: String, terms: [CountedTerm] = CountedTerm.allCases) -> String {
        let fields = RecordRow.fieldsSQL(table)
        let values = [
            ("kingdom", "coalesce(json_extract(\(fields), '$.kingdom'), '')"),
            ("phylum", "coalesce(json_extract(\(fields), '$.phylum'), '')"),
            ("family", "coalesce(\(table).family, '')"),
            ("country", "coalesce(\(table).country, '')"),
            ("basisOfRecord", "coalesce(json_extract(\(fields), '$.basisOfRecord'), '')"),
            ("institutionCode", "coalesce(\(table).institution_code, '')"),
            ("collection", "coalesce(\(table).institution_code, '') || ':' || coalesce(\(table).collection_code, '')"),
            ("year", "CAST(coalesce(\(table).year, '') AS TEXT)"),
        ]
        return values.filter { terms.contains(CountedTerm(rawValue: $0.0)!) }.map { dimension, value in
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
        // The terms read from the JSON in one pass, by their few combinations: a pass for each parsed every record's
        // fields three times (200,000 records: 1.1 s, not 3.6 s).
        try db.execute(
            sql: """
                INSERT INTO record_counts (dimension, value, n)
                WITH combinations AS MATERIALIZED (
                  SELECT coalesce(json_extract(fields, '$.kingdom'), '') AS kingdom, coalesce(json_extract(fields, '$.phylum'), '') AS phylum,
                    coalesce(json_extract(fields, '$.basisOfRecord'), '') AS basisOfRecord, count(*) AS n
                  FROM records GROUP BY 1, 2, 3)
                SELECT 'kingdom', kingdom, sum(n) FROM combinations GROUP BY 2
                UNION ALL SELECT 'phylum', phylum, sum(n) FROM combinations GROUP BY 2
                UNION ALL SELECT 'basisOfRecord', basisOfRecord, sum(n) FROM combinations GROUP BY 2
                """)
        let columns: [CountedTerm] = [.family, .country, .institutionCode, .collection, .year]
        try db.execute(sql: "INSERT INTO record_counts (dimension, value, n) \(tally(table: "records", from: "records", where: "1", terms: columns))")
        try db.execute(sql: "INSERT INTO record_cells (latitude, longitude, n) \(cells(table: "records", from: "records", where: "1"))")
    }

    /// The triggers that keep the tables (migration 17).
    static let triggers = ["record_counts_insert", "record_counts_update"]

    /// Drops the triggers for a bulk load into an empty records table; returns the SQL that makes them again. The
    /// load counts the rows it writes itself (`Tally`), on the thread that makes them, instead.
    static func dropTriggers(_ db: Database) throws -> [String] {
        let made = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'records' AND name IN (?, ?) ORDER BY name",
            arguments: StatementArguments(triggers))
        for name in triggers { try db.execute(sql: "DROP TRIGGER IF EXISTS \(name)") }
        return made
    }

    /// Makes the triggers again and stores what the bulk load counted. A GROUP BY over a million records after the
    /// load took 10 s of the writer's time, most of it reading three terms from each record's JSON again.
    static func restoreTriggers(_ sql: [String], counted: Tally, db: Database) throws {
        for trigger in sql { try db.execute(sql: trigger) }
        try db.execute(sql: "DELETE FROM record_counts; DELETE FROM record_cells")
        let count = try db.makeStatement(sql: "INSERT INTO record_counts (dimension, value, n) VALUES (?, ?, ?)")
        for (dimension, values) in zip(CountedTerm.allCases, counted.counts) {
            for (value, n) in values where n != 0 { try count.execute(arguments: [dimension.rawValue, value, n]) }
        }
        let cell = try db.makeStatement(sql: "INSERT INTO record_cells (latitude, longitude, n) VALUES (?, ?, ?)")
        for (point, n) in counted.cells where n != 0 { try cell.execute(arguments: [point.latitude, point.longitude, n]) }
    }

    /// Both tables must hold what the records add up to (`expected`, counted from a replay of each).
    static func verify(_ db: Database, expected: Tally) throws {
        var stored = Tally()
        for row in try Row.fetchAll(db, sql: "SELECT dimension, value, n FROM record_counts") {
            guard let position = CountedTerm(rawValue: row["dimension"]).flatMap(CountedTerm.allCases.firstIndex) else {
                throw StoreError.corrupt(seq: nil, reason: "record_counts has a dimension no term is counted by: \(row["dimension"] as String)")
            }
            stored.counts[position][row["value"]] = row["n"]
        }
        for row in try Row.fetchAll(db, sql: "SELECT latitude, longitude, n FROM record_cells") {
            stored.cells[Tally.Cell(latitude: row["latitude"], longitude: row["longitude"])] = row["n"]
        }
        guard stored.counts == expected.counts else {
            throw StoreError.corrupt(seq: nil, reason: "record_counts differs from the records counted by term")
        }
        guard stored.cells == expected.cells else {
            throw StoreError.corrupt(seq: nil, reason: "record_cells differs from the records counted by 1° cell")
        }
    }

    /// What the two tables hold, added up row by row as the triggers would: verify counts the rows it replays, and a
    /// bulk load the rows it writes, instead of a GROUP BY over the records (which reads the JSON of each again).
    struct Tally: Equatable {
        struct Cell: Hashable {
            var latitude: Int
            var longitude: Int
        }

        /// For each dimension, in the order of `CountedTerm.allCases`: value → n, '' for a record without the value, as
        /// in `record_counts`. An array, not a dictionary keyed by the dimension's name: verify adds a million rows,
        /// each in every dimension, and not hashing the names took about 7% off its CPU.
        var counts = [[String: Int]](repeating: [:], count: CountedTerm.allCases.count)
        var cells: [Cell: Int] = [:]

        /// Counts the row in (`n` 1) or out (−1).
        mutating func add(_ row: RecordRow, _ n: Int = 1) {
            let terms = row.terms
            for (position, term) in CountedTerm.allCases.enumerated() {
                let value: String
                switch term {
                case .kingdom: value = terms[.kingdom] ?? ""
                case .phylum: value = terms[.phylum] ?? ""
                case .family: value = terms[.family] ?? ""
                case .country: value = terms[.country] ?? ""
                case .basisOfRecord: value = terms[.basisOfRecord] ?? ""
                case .institutionCode: value = terms[.institutionCode] ?? ""
                case .collection: value = (terms[.institutionCode] ?? "") + ":" + (terms[.collectionCode] ?? "")
                case .year: value = row.year.map(Self.yearText) ?? ""
                }
                Self.add(n, to: value, in: &counts[position])
            }
            if let point = row.coordinates {
                cells[Cell(latitude: min(89, Int(point.latitude.rounded(.down))), longitude: min(179, Int(point.longitude.rounded(.down)))), default: 0] += n
            }
        }

        /// A year as `record_counts` holds it: those of three millennia made once, rather than a String a row.
        private static func yearText(_ year: Int) -> String { years.indices.contains(year) ? years[year] : String(year) }
        private static let years = (0...2999).map(String.init)

        /// A dimension of a handful of values (kingdoms, bases of record, institutions) finds its value faster by
        /// comparing than by hashing: verify counts a million rows in each dimension.
        private static func add(_ n: Int, to value: String, in counts: inout [String: Int]) {
            if counts.count <= 8, let index = counts.firstIndex(where: { $0.key == value }) {
                counts.values[index] += n
            } else {
                counts[value, default: 0] += n
            }
        }

        /// Counts the row a change replaced out and the new one in.
        mutating func add(_ change: Projector.RecordChange?) {
            guard let change else { return }
            if let replaced = change.replaced { add(replaced, -1) }
            add(change.by)
        }

        mutating func add(_ other: Tally) {
            for (position, values) in other.counts.enumerated() { counts[position].merge(values, uniquingKeysWith: +) }
            cells.merge(other.cells, uniquingKeysWith: +)
        }
    }
}
