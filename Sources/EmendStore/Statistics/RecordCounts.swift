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
            for (value, n) in values { try count.execute(arguments: [dimension.rawValue, value, n]) }
        }
        let cell = try db.makeStatement(sql: "INSERT INTO record_cells (latitude, longitude, n) VALUES (?, ?, ?)")
        for (point, n) in counted.cells { try cell.execute(arguments: [point.latitude, point.longitude, n]) }
    }

    /// Both tables must hold what the records add up to (`expected`, counted from a replay of each).
    static func verify(_ db: Database, expected: Tally) throws {
        var counts = [[String: Int]](repeating: [:], count: CountedTerm.allCases.count)
        for row in try Row.fetchAll(db, sql: "SELECT dimension, value, n FROM record_counts") {
            guard let position = CountedTerm(rawValue: row["dimension"]).flatMap(CountedTerm.allCases.firstIndex) else {
                throw StoreError.corrupt(seq: nil, reason: "record_counts has a dimension no term is counted by: \(row["dimension"] as String)")
            }
            counts[position][row["value"]] = row["n"]
        }
        var cells: [Tally.Cell: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT latitude, longitude, n FROM record_cells") {
            cells[Tally.Cell(latitude: row["latitude"], longitude: row["longitude"])] = row["n"]
        }
        guard counts == expected.counts else {
            throw StoreError.corrupt(seq: nil, reason: "record_counts differs from the records counted by term")
        }
        guard cells == expected.cells else {
            throw StoreError.corrupt(seq: nil, reason: "record_cells differs from the records counted by 1° cell")
        }
    }

    /// What the two tables hold, added up row by row as the triggers would: verify counts the rows it replays, and a
    /// bulk load the rows it writes, instead of a GROUP BY over the records (which reads the JSON of each again).
    /// Each dimension is counted by what costs least to look up (verify adds a million rows, each in every
    /// dimension): the text of a term, the two codes of a collection rather than their join, and a year as a number.
    struct Tally {
        struct Cell: Hashable {
            var latitude: Int
            var longitude: Int
        }

        /// The values of the terms that have a handful each, '' for a record without one: counted together, one lookup
        /// a row for the five rather than one each, and added up by term at the end (the tally is about a twentieth of
        /// verify's CPU, most of it hashing these and the families and countries).
        private struct FewValued: Hashable {
            var kingdom: String
            var phylum: String
            var basisOfRecord: String
            var institutionCode: String
            var collectionCode: String
        }

        private var fewValued: [FewValued: Int] = [:]
        /// n by family and by country ('' for none): hundreds of values each.
        private var families: [String: Int] = [:]
        private var countries: [String: Int] = [:]
        /// n by year for the years of three millennia, by place; the rest, and nil for none, in `otherYears`.
        private var years = [Int](repeating: 0, count: 3000)
        private var otherYears: [Int?: Int] = [:]
        /// n by 1° cell, by place (`cellIndex`); empty until a row with a point is counted.
        private var cellCounts: [Int] = []

        /// Counts the row in (`n` 1) or out (−1).
        mutating func add(_ row: RecordRow, _ n: Int = 1) {
            let terms = row.terms
            let few = FewValued(
                kingdom: terms[.kingdom] ?? "", phylum: terms[.phylum] ?? "", basisOfRecord: terms[.basisOfRecord] ?? "",
                institutionCode: terms[.institutionCode] ?? "", collectionCode: terms[.collectionCode] ?? "")
            fewValued[few, default: 0] += n
            families[terms[.family] ?? "", default: 0] += n
            countries[terms[.country] ?? "", default: 0] += n
            if let year = row.year, years.indices.contains(year) {
                years[year] += n
            } else {
                otherYears[row.year, default: 0] += n
            }
            if let point = row.coordinates {
                if cellCounts.isEmpty { cellCounts = Array(repeating: 0, count: 180 * 360) }
                cellCounts[Self.cellIndex(latitude: point.latitude, longitude: point.longitude)] += n
            }
        }

        /// The place of the cell holding a point (−90…90, −180…180): its row from the south, then its column from the
        /// west; the cells at 90° and 180° hold the points on their northern and eastern edges.
        private static func cellIndex(latitude: Double, longitude: Double) -> Int {
            (min(89, Int(latitude.rounded(.down))) + 90) * 360 + min(179, Int(longitude.rounded(.down))) + 180
        }

        /// What `record_cells` holds: n by the south-west corner of each 1° cell whose n is not 0.
        var cells: [Cell: Int] {
            cellCounts.enumerated().reduce(into: [:]) { cells, cell in
                if cell.element != 0 { cells[Cell(latitude: cell.offset / 360 - 90, longitude: cell.offset % 360 - 180)] = cell.element }
            }
        }

        /// What `record_counts` holds: for each dimension, in the order of `CountedTerm.allCases`, value → n for the
        /// values whose n is not 0.
        var counts: [[String: Int]] {
            var byTerm: [CountedTerm: [String: Int]] = [.family: families, .country: countries]
            for (few, n) in fewValued {
                byTerm[.kingdom, default: [:]][few.kingdom, default: 0] += n
                byTerm[.phylum, default: [:]][few.phylum, default: 0] += n
                byTerm[.basisOfRecord, default: [:]][few.basisOfRecord, default: 0] += n
                byTerm[.institutionCode, default: [:]][few.institutionCode, default: 0] += n
                byTerm[.collection, default: [:]][few.institutionCode + ":" + few.collectionCode, default: 0] += n
            }
            var years = otherYears.reduce(into: [String: Int]()) { $0[$1.key.map(String.init) ?? "", default: 0] += $1.value }
            for (year, n) in self.years.enumerated() where n != 0 { years[String(year), default: 0] += n }
            byTerm[.year] = years
            return CountedTerm.allCases.map { byTerm[$0, default: [:]].filter { $0.value != 0 } }
        }

        /// Counts the row a change replaced out and the new one in.
        mutating func add(_ change: Projector.RecordChange?) {
            guard let change else { return }
            if let replaced = change.replaced { add(replaced, -1) }
            add(change.by)
        }

        mutating func add(_ other: Tally) {
            fewValued.merge(other.fewValued, uniquingKeysWith: +)
            families.merge(other.families, uniquingKeysWith: +)
            countries.merge(other.countries, uniquingKeysWith: +)
            for (year, n) in other.years.enumerated() where n != 0 { years[year] += n }
            otherYears.merge(other.otherYears, uniquingKeysWith: +)
            if cellCounts.isEmpty {
                cellCounts = other.cellCounts
            } else if !other.cellCounts.isEmpty {
                for (cell, n) in other.cellCounts.enumerated() { cellCounts[cell] += n }
            }
        }
    }
}
