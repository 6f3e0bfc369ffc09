import EmendCore
import EmendStore
import GRDB
import Testing

@Suite struct ImportTests {
    @Test func importsRecordsAsVersionOneWithTheirReadModels() throws {
        // Given an empty store
        let store = try Given.store()
        // When two records are imported
        let summary = try Given.imported([Given.specimen(1), Given.specimen(2, ["locality": "Kew Gardens"])], into: store)
        // Then each is a record at version 1, indexed for text and place, and the dataset counts them
        #expect(summary.added == 2 && summary.rows == 2)
        let id = Identifiers.recordID(dataset: "test", key: "occ-2")
        #expect(try store.fields(of: id)?["locality"] == "Kew Gardens")
        #expect(try store.count("SELECT count(*) FROM records_fts WHERE records_fts MATCH 'kew'") == 1)
        #expect(try store.count(
            "SELECT count(*) FROM records WHERE decimal_latitude BETWEEN 51 AND 52 AND decimal_longitude BETWEEN -1 AND 0") == 2)
        #expect(try store.count("SELECT record_count FROM datasets WHERE id = 'test'") == 2)
        #expect(try store.count("SELECT count(*) FROM records WHERE year = 1901 AND country = 'United Kingdom'") == 2)
    }

    @Test func reimportWritesOnlyWhatChangedAndReportsWhatIsMissing() throws {
        // Given a dataset of three records
        let store = try Given.store()
        try Given.imported([Given.specimen(1), Given.specimen(2), Given.specimen(3)], into: store)
        let before = try store.lastSeq()
        // When it is imported again with record 1 unchanged, record 2 changed, record 3 gone and record 4 new
        let summary = try Given.imported(
            [Given.specimen(1), Given.specimen(2, ["country": "Ireland", "year": "1902"]), Given.specimen(4)], into: store)
        // Then there is one revision holding exactly the changed terms, one addition, and one missing record kept
        #expect(summary.unchanged == 1 && summary.revised == 1 && summary.added == 1 && summary.missing == 1)
        #expect(summary.missingExamples == [Identifiers.recordID(dataset: "test", key: "occ-3")])
        #expect(try store.lastSeq() == before + 3)
        var revision: RecordedEvent?
        try store.forEachEvent(after: before) { if $0.event.type == EventType.recordRevised { revision = $0.event } }
        #expect(revision?.streamVersion == 2)
        #expect(revision?.data["changes"] == [
            "country": ["from": "United Kingdom", "to": "Ireland"], "year": ["from": "1901", "to": "1902"],
        ])
        #expect(try store.fields(of: Identifiers.recordID(dataset: "test", key: "occ-2"))?["country"] == "Ireland")
        #expect(try store.count("SELECT count(*) FROM records") == 4)
        #expect(try store.count("SELECT count(*) FROM records_fts WHERE records_fts MATCH 'ireland'") == 1)
    }

    @Test func aFatalProblemMidwayWritesNothing() throws {
        // Given a store holding one import
        let store = try Given.store()
        try Given.imported([Given.specimen(1)], into: store)
        // When a second import fails after two rows
        var reader = ArrayReader([Given.specimen(2), Given.specimen(3), Given.specimen(4)], failAfter: 2)
        #expect(throws: ImportError(file: "test.csv", line: 4, reason: "broken on purpose")) {
            try store.importRecords(from: &reader, source: Given.source())
        }
        // Then nothing of it is in the log or the read models
        #expect(try store.lastSeq() == 2)
        #expect(try store.count("SELECT count(*) FROM records") == 1)
    }

    @Test func rowsWithoutAnIDOrRepeatingOneAreSkippedAndCounted() throws {
        let store = try Given.store()
        var noKey = Given.specimen(9)
        noKey.key = nil
        let summary = try Given.imported([Given.specimen(1), noKey, Given.specimen(1, ["country": "France"])], into: store)
        #expect(summary.added == 1)
        #expect(summary.count(.missingID) == 1 && summary.count(.duplicateID) == 1)
        #expect(summary.problemExamples.map(\.location) == ["test.csv line 10", "test.csv line 2"])
        #expect(try store.fields(of: Identifiers.recordID(dataset: "test", key: "occ-1"))?["country"] == "United Kingdom")
    }

    @Test func extensionRowsTravelWithTheirRecord() throws {
        let store = try Given.store()
        var record = Given.specimen(1)
        record.extensions = ["Multimedia": [["identifier": "https://example.org/1.jpg"]]]
        try Given.imported([record], into: store)
        record.extensions = ["Multimedia": [["identifier": "https://example.org/2.jpg"]]]
        let summary = try Given.imported([record], into: store)
        #expect(summary.revised == 1)
        let stored = try store.read { db in try String.fetchOne(db, sql: "SELECT extensions FROM records") }
        #expect(stored == #"{"Multimedia":[{"identifier":"https://example.org/2.jpg"}]}"#)
    }

    @Test func aFirstImportAndAReplayLeaveEveryRecordIndexInPlace() throws {
        // Given the record indexes of a fresh store
        let store = try Given.store()
        let indexes = "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' ORDER BY name)"
        let before = try store.read { db in try String.fetchOne(db, sql: indexes) }
        // When a first import (which builds them after loading) and a replay have run
        try Given.imported([Given.specimen(1), Given.specimen(2)], into: store)
        let afterImport = try store.read { db in try String.fetchOne(db, sql: indexes) }
        try store.replay()
        let afterReplay = try store.read { db in try String.fetchOne(db, sql: indexes) }
        // Then the same indexes are there, and searches use them
        #expect(before?.contains("records_country") == true)
        #expect(afterImport == before && afterReplay == before)
        let plan = try store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT id FROM records WHERE country = 'France'").map { $0["detail"] as String }
        }
        #expect(plan.joined().contains("records_country"))
    }

    /// Searches by place and years (migration 19): a count by a box and a range of years, and the points of a range
    /// of years as the map reads them.
    @Test(arguments: [
        (
            "SELECT count(*) FROM records WHERE year >= 1900 AND year <= 1950 AND decimal_latitude BETWEEN 35 AND 60 AND decimal_longitude BETWEEN -10 AND 30",
            "records_location"
        ),
        ("SELECT decimal_latitude, decimal_longitude FROM records WHERE year >= 1900 AND year <= 1950 AND decimal_latitude IS NOT NULL", "records_year"),
    ])
    func aSearchByPlaceAndYearsReadsAnIndexAlone(query: String, index: String) throws {
        // Given imported records
        let store = try Given.store()
        try Given.imported([Given.specimen(1), Given.specimen(2)], into: store)
        // When the query is planned
        let plan = try store.read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(query)").map { $0["detail"] as String } }
        // Then the index answers it without reading a row
        #expect(plan.joined().contains("COVERING INDEX \(index)"), "\(plan)")
    }
}


@Suite struct RecentRevisionsTests {
    @Test func theRecentRevisionsAreTheLatestRecordRevisedEventsNewestFirst() throws {
        // Given records imported, then two of them changed by a re-import and one by it again
        let store = try Given.store()
        _ = try Given.imported((1...3).map { Given.specimen($0) }, into: store)
        #expect(try store.recentRevisions().isEmpty)
        _ = try Given.imported([Given.specimen(1, ["locality": "a"]), Given.specimen(2, ["locality": "b"]), Given.specimen(3)], into: store)
        _ = try Given.imported([Given.specimen(1, ["locality": "c"]), Given.specimen(2, ["locality": "b"]), Given.specimen(3)], into: store)
        // When the latest two are asked for
        let revisions = try store.recentRevisions(limit: 2)
        // Then they are the last two RecordRevised events of the log, newest first, with what they changed
        var revised: [Int64] = []
        try store.forEachEvent { if $0.event.type == EventType.recordRevised { revised.append($0.event.seq) } }
        #expect(revised.count == 3)
        #expect(revisions.map(\.seq) == [revised[2], revised[1]])
        #expect(revisions.map(\.version) == [3, 2])
        #expect(revisions[0].changes == [TermChange(term: "locality", from: "a", to: "c")])
    }
}
