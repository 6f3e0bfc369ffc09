import EmendCore
import EmendStore
import GRDB
import Testing

@Suite struct RecordCountsTests {
    /// The counts by term as a GROUP BY over the records, written out here independently of the store's own. An
    /// imported version's fields are its event's.
    static let groupBy = """
        SELECT 'basisOfRecord' AS dimension, coalesce(json_extract(coalesce(fields, (SELECT json_extract(data, '$.fields') FROM events WHERE events.seq = records.seq)), '$.basisOfRecord'), '') AS value, count(*) AS n FROM records GROUP BY 2
        UNION ALL SELECT 'collection', coalesce(institution_code, '') || ':' || coalesce(collection_code, ''), count(*) FROM records GROUP BY 2
        UNION ALL SELECT 'country', coalesce(country, ''), count(*) FROM records GROUP BY 2
        UNION ALL SELECT 'family', coalesce(family, ''), count(*) FROM records GROUP BY 2
        UNION ALL SELECT 'institutionCode', coalesce(institution_code, ''), count(*) FROM records GROUP BY 2
        UNION ALL SELECT 'kingdom', coalesce(json_extract(coalesce(fields, (SELECT json_extract(data, '$.fields') FROM events WHERE events.seq = records.seq)), '$.kingdom'), ''), count(*) FROM records GROUP BY 2
        UNION ALL SELECT 'phylum', coalesce(json_extract(coalesce(fields, (SELECT json_extract(data, '$.fields') FROM events WHERE events.seq = records.seq)), '$.phylum'), ''), count(*) FROM records GROUP BY 2
        UNION ALL SELECT 'year', CAST(coalesce(year, '') AS TEXT), count(*) FROM records GROUP BY 2
        ORDER BY 1, 2
        """
    static let cellsGroupBy = """
        SELECT CAST(floor(decimal_latitude) AS INTEGER), CAST(floor(decimal_longitude) AS INTEGER), count(*) FROM records
        WHERE decimal_latitude IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
        """

    static func strings(_ row: Row) -> [String] { [row[0], row[1], String(row[2] as Int)] }
    static func integers(_ row: Row) -> [Int] { [row[0], row[1], row[2]] }

    static func tables(_ store: Store) throws -> (counts: [[String]], cells: [[Int]]) {
        try store.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT dimension, value, n FROM record_counts ORDER BY 1, 2").map(Self.strings),
                try Row.fetchAll(db, sql: "SELECT latitude, longitude, n FROM record_cells ORDER BY 1, 2").map(Self.integers)
            )
        }
    }

    static func groupedBy(_ store: Store) throws -> (counts: [[String]], cells: [[Int]]) {
        try store.read { db in
            (
                try Row.fetchAll(db, sql: groupBy).map(Self.strings),
                try Row.fetchAll(db, sql: cellsGroupBy).map(Self.integers)
            )
        }
    }

    @Test func facetsOverEveryRecordFromTheCountsEqualThoseCountedByIndex() async throws {
        // Given records of several countries, families, institutions and years, some revised
        let store = try Given.store()
        let specimens = (1...40).map { number in
            Given.specimen(number, [
                "country": ["Ghana", "France", "Fiji", "Peru"][number % 4], "family": ["Fagaceae", "Apidae", "Rosaceae"][number % 3],
                "institutionCode": number % 5 == 0 ? "CNCI" : "NHMUK", "year": String(1900 + number % 7),
            ])
        }
        try Given.imported(specimens, into: store)
        try Given.imported(specimens.map { record in
            var fields = record.fields
            if record.fields["catalogNumber"]!.hasSuffix("3") { fields["country"] = "Chile" }
            return SourceRecord(location: record.location, key: record.key, fields: fields)
        }, into: store)
        // When every record is faceted now (from record_counts) and as of now (counted by index)
        var query = RecordQuery()
        query.facets = [.country, .family, .institutionCode, .year]
        let counted = try await store.search(query)
        query.asOf = try store.currentPosition()
        let indexed = try await store.search(query)
        // Then they are the same
        #expect(counted.facets.map(\.values) == indexed.facets.map(\.values))
        #expect(counted.facets.first?.values.contains { $0.value == "Chile" && $0.count == 4 } == true)
    }

    @Test func theCountsEqualAGroupByAfterImportRevisionAndReplay() async throws {
        // Given records of two kingdoms in three cells, imported into an empty store (the bulk path)
        let store = try Given.store()
        try Given.imported(
            [
                Given.specimen(1, ["kingdom": "Plantae", "family": "Fagaceae", "basisOfRecord": "PreservedSpecimen"]),
                Given.specimen(2, ["kingdom": "Plantae", "family": "Fagaceae", "decimalLatitude": "-33.9", "decimalLongitude": "18.4"]),
                Given.specimen(3, ["kingdom": "Animalia", "family": "Apidae", "year": "1950"]),
                Given.specimen(4, ["decimalLatitude": "", "decimalLongitude": ""]),
            ], into: store)
        var counts = try Self.tables(store)
        #expect(counts.counts == (try Self.groupedBy(store)).counts)
        #expect(counts.cells == (try Self.groupedBy(store)).cells)
        #expect(counts.cells == [[-34, 18, 1], [51, -1, 2]])
        #expect(counts.counts.contains(["kingdom", "Plantae", "2"]))

        // When a curator's correction moves one record to another family and cell, and a re-import changes another
        let (contributor, _) = try store.addUser(name: "contributor", role: .contributor, scopes: [])
        let (curator, _) = try store.addUser(name: "curator", role: .curator, scopes: ["NHMUK"])
        let id = Identifiers.recordID(dataset: "test", key: "occ-1")
        let proposal = try store.submitProposal(
            record: id, baseVersion: 1, changes: ["family": "Betulaceae", "decimalLatitude": "60.1", "kingdom": nil],
            rationale: "misidentified", actor: contributor)
        _ = try store.acceptProposal(proposal.id, terms: nil, edits: [:], note: nil, curator: curator)
        try Given.imported(
            [
                Given.specimen(1, ["kingdom": "Plantae", "family": "Fagaceae", "basisOfRecord": "PreservedSpecimen"]),
                Given.specimen(2, ["kingdom": "Plantae", "family": "Fagaceae", "decimalLatitude": "-33.9", "decimalLongitude": "18.4"]),
                Given.specimen(3, ["kingdom": "Fungi", "family": "Apidae", "year": "1951"]),
                Given.specimen(4, ["decimalLatitude": "", "decimalLongitude": ""]),
            ], into: store)

        // Then the counts follow, spent values gone
        counts = try Self.tables(store)
        #expect(counts.counts == (try Self.groupedBy(store)).counts)
        #expect(counts.cells == (try Self.groupedBy(store)).cells)
        #expect(counts.cells == [[-34, 18, 1], [51, -1, 1], [60, -1, 1]])
        #expect(!counts.counts.contains { $0[0] == "kingdom" && $0[1] == "Animalia" })
        #expect(counts.counts.contains(["family", "Betulaceae", "1"]))
        #expect(counts.counts.contains(["year", "1951", "1"]))

        // And a replay of the log gives the same tables, which verify checks, and so does one of its export into an
        // empty database (each counts the rows it writes, the revisions' replaced rows out)
        try store.replay()
        #expect(try Self.tables(store) == counts)
        _ = try store.verify()
        var lines: [(lineNumber: Int, text: String)] = []
        try store.forEachEvent { lines.append((lines.count + 1, NDJSONLog.line($0))) }
        let copy = try Store.inMemory()
        try copy.replay(from: lines)
        #expect(try Self.tables(copy) == counts)
        let statistics = try await store.statistics()
        #expect(statistics.records == 4)
        #expect(statistics.counts[.kingdom]?.map { "\($0.value)=\($0.count)" } == ["=2", "Fungi=1", "Plantae=1"])
    }

    @Test func yearsOutsideThreeMillenniaAndPointsOnTheEdgesAreCountedAsTheTriggersCountThem() throws {
        // Given records of years before 0, at 0, past 2999 and of none, at the poles and on the antimeridian, loaded
        // in bulk (counted by a tally) and then revised one by one (counted by the triggers)
        let store = try Given.store()
        let specimens = [
            Given.specimen(1, ["year": "3050", "decimalLatitude": "90", "decimalLongitude": "180"]),
            Given.specimen(2, ["year": "0", "decimalLatitude": "-90", "decimalLongitude": "-180"]),
            Given.specimen(3, ["year": "-44"]),
            Given.specimen(4, ["year": ""]),
        ]
        try Given.imported(specimens, into: store)
        let loaded = try Self.tables(store)
        try Given.imported(specimens.map { Given.specimen(Int($0.key!.dropFirst(4))!, $0.fields.merging(["locality": "Here"]) { $1 }) }, into: store)
        // When the read models are replayed (counted by a tally again)
        let revised = try Self.tables(store)
        try store.replay()
        // Then all three agree, and verify's own tally agrees with them
        #expect(loaded == revised)
        #expect(try Self.tables(store) == revised)
        #expect(revised.cells == [[-90, -180, 1], [51, -1, 2], [89, 179, 1]])
        #expect(revised.counts.filter { $0[0] == "year" } == [["year", "", "1"], ["year", "-44", "1"], ["year", "0", "1"], ["year", "3050", "1"]])
        _ = try store.verify()
    }

    @Test func verifyFailsWhenACountIsWrong() throws {
        // Given a store whose counts someone changed by hand
        let store = try Given.store()
        try Given.imported([Given.specimen(1), Given.specimen(2)], into: store)
        try store.writer.write { db in try db.execute(sql: "UPDATE record_counts SET n = n + 1 WHERE dimension = 'country'") }

        // When it is verified, then verify says which table is wrong
        #expect(throws: StoreError.corrupt(seq: nil, reason: "record_counts differs from the records counted by term")) {
            try store.verify()
        }
    }

    @Test func verifyFailsOnACountOfATermNothingCounts() throws {
        // Given a store whose counts someone gave a dimension of their own
        let store = try Given.store()
        try Given.imported([Given.specimen(1)], into: store)
        try store.writer.write { db in try db.execute(sql: "INSERT INTO record_counts (dimension, value, n) VALUES ('colour', 'red', 1)") }

        // When it is verified, then verify names the dimension
        #expect(throws: StoreError.corrupt(seq: nil, reason: "record_counts has a dimension no term is counted by: colour")) {
            try store.verify()
        }
    }
}

/// Tuples of arrays are not Equatable.
private func == (a: (counts: [[String]], cells: [[Int]]), b: (counts: [[String]], cells: [[Int]])) -> Bool {
    a.counts == b.counts && a.cells == b.cells
}
