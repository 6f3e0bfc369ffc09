import EmendCore
@testable import EmendStore
import GRDB
import Testing

@Suite struct ReplayAndVerifyTests {
    /// A store with an import, a re-import that revises, and a user.
    func populated() throws -> Store {
        let store = try Given.store()
        try Given.imported((1...20).map { Given.specimen($0) }, into: store)
        try Given.imported((1...20).map { Given.specimen($0, $0 % 3 == 0 ? ["locality": "Revised \($0)"] : [:]) }, into: store)
        _ = try store.addUser(name: "curator1", role: .curator, scopes: ["NHMUK:BOT"])
        return store
    }

    @Test func replayRebuildsTheSameReadModels() throws {
        // Given a populated store and its checksum
        let store = try populated()
        let before = try store.verify()
        // When the read models are rebuilt from the log
        try store.replay()
        // Then verify passes with the same checksum
        #expect(try store.verify() == before)
    }

    @Test func theChecksumTellsApartReadModelsThatDifferInOneRecord() throws {
        // Given two stores whose logs differ only in one field of one record, and a third with the first's records
        func store(family: String) throws -> Store {
            let store = try Given.store()
            try Given.imported((1...3).map { Given.specimen($0, $0 == 2 ? ["family": family] : [:]) }, into: store)
            return store
        }
        let (first, second, same) = try (store(family: "Fagaceae"), store(family: "Rosaceae"), store(family: "Fagaceae"))
        // When each is verified, Then the checksums, which digest the records' rows, differ only where the records do
        #expect(try first.verify().checksum != second.verify().checksum)
        #expect(try first.verify().checksum == same.verify().checksum)
    }

    @Test func verifyHoldsEachDatasetsRecordCountToItsRecords() throws {
        // Given records of two datasets, imported in turn and the first again with one record more
        let store = try Given.store()
        try Given.imported((1...3).map { Given.specimen($0) }, into: store, dataset: "a")
        try Given.imported((4...5).map { Given.specimen($0) }, into: store, dataset: "b")
        try Given.imported((1...4).map { Given.specimen($0) }, into: store, dataset: "a")
        // Then verify passes with each dataset's count
        _ = try store.verify()
        #expect(try store.count("SELECT record_count FROM datasets WHERE id = 'a'") == 4)
        // When a dataset claims one record more than it has, Then the datasets read model is found to differ
        try store.writer.write { db in try db.execute(sql: "UPDATE datasets SET record_count = record_count + 1 WHERE id = 'a'") }
        #expect(throws: StoreError.corrupt(seq: nil, reason: "the datasets read model differs from a replay of the log")) {
            try store.verify()
        }
    }

    @Test func replayFromAnExportIntoAnEmptyDatabaseGivesTheSameChecksum() throws {
        // Given a populated store's export
        let store = try populated()
        var lines: [(lineNumber: Int, text: String)] = []
        try store.forEachEvent { lines.append((lines.count + 1, NDJSONLog.line($0))) }
        // When it is replayed into an empty database
        let copy = try Store.inMemory()
        #expect(try copy.replay(from: lines) == Int64(lines.count))
        // Then both verify with the same checksum
        #expect(try copy.verify().checksum == store.verify().checksum)
    }

    @Test func replayFromAnExportRefusesABrokenChain() throws {
        let store = try populated()
        var lines: [(lineNumber: Int, text: String)] = []
        try store.forEachEvent { lines.append((lines.count + 1, NDJSONLog.line($0))) }
        lines[4].text = lines[4].text.replacingOccurrences(of: "NHMUK", with: "NHMUX")
        let copy = try Store.inMemory()
        #expect(throws: StoreError.self) { try copy.replay(from: lines) }
        #expect(try copy.lastSeq() == 0)
    }

    @Test func replayFromAnExportRefusesTimeGoingBack() throws {
        // Given an export whose fifth event is dated before the fourth, re-chained so that every hash holds
        let store = try populated()
        var events: [StoredEvent] = []
        try store.forEachEvent { events.append($0) }
        events[4].event.recordedAt = Timestamp(milliseconds: events[3].event.recordedAt.milliseconds - 1)
        var previous = HashChain.genesis
        let lines = events.enumerated().map { index, stored in
            var stored = stored
            let event = stored.event
            stored.prevHash = previous
            stored.hash = HashChain.hash(
                previous: previous,
                canonical: HashChain.canonical(
                    seq: event.seq, id: event.id, stream: event.stream, streamVersion: event.streamVersion, type: event.type,
                    recordedAt: event.recordedAt, actor: event.actor, canonicalData: CanonicalJSON.encode(event.data)))
            previous = stored.hash
            return (lineNumber: index + 1, text: NDJSONLog.line(stored))
        }
        // When it is replayed, then it is refused at that event, and nothing is loaded
        let copy = try Store.inMemory()
        let error = #expect(throws: StoreError.self) { try copy.replay(from: lines) }
        #expect(error.map { "\($0)" } == "line 5: seq 5: recorded at \(events[4].event.recordedAt.rfc3339), before the event before it")
        #expect(try copy.lastSeq() == 0)
    }

    @Test func replayUntilASeqGivesTheStateAsOfThen() throws {
        let store = try populated()
        try store.replay(until: 21)
        #expect(try store.count("SELECT count(*) FROM records WHERE version = 2") == 0)
        try store.replay()
        #expect(try store.count("SELECT count(*) FROM records WHERE version = 2") == 6)
    }

    @Test func verifyNamesTheFirstAlteredEvent() throws {
        // Given a populated store where one byte of event 7's data is changed behind the log's back
        let store = try populated()
        try store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER events_append_only_update")
            try db.execute(sql: "UPDATE events SET data = replace(data, 'Quercus', 'Quercvs') WHERE seq = 7")
        }
        // When it is verified
        // Then verify fails naming seq 7
        #expect(throws: StoreError.corrupt(seq: 7, reason: "hash mismatch: the event or the one before it was altered")) {
            try store.verify()
        }
    }

    @Test func verifyInSlicesOfTheLogFindsWhatOnePassWould() throws {
        // Given a log of 2,501 events, verified in slices of 1,024 events (as a million events are, in wider ones)
        let store = try Given.store()
        try Given.imported((1...2_500).map { Given.specimen($0) }, into: store)
        let whole = try store.verify(chainSliceWidth: 1 << 12)
        #expect(whole.events == 2_501)
        #expect(whole.checkpoints >= 2)
        #expect(try store.verify(chainSliceWidth: 1_024) == whole)
        // When events 2,100 and then 1,500 are altered, and event 1,024, the last of the first slice, removed
        try store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER events_append_only_update")
            try db.execute(sql: "UPDATE events SET data = replace(data, 'Quercus', 'Quercvs') WHERE seq IN (2100, 1500)")
        }
        // Then verify names the first along the log each time
        for width: Int64 in [1_024, 1 << 12] {
            #expect(throws: StoreError.corrupt(seq: 1_500, reason: "hash mismatch: the event or the one before it was altered")) {
                try store.verify(chainSliceWidth: width)
            }
        }
        try store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER events_append_only_delete")
            try db.execute(sql: "DELETE FROM events WHERE seq = 1024")
        }
        for width: Int64 in [1_024, 1 << 12] {
            #expect(throws: StoreError.corrupt(seq: 1_024, reason: "missing from the log")) {
                try store.verify(chainSliceWidth: width)
            }
        }
    }

    @Test func verifyFindsARecordThatDiffersFromTheLog() throws {
        let store = try populated()
        try store.writer.write { db in
            try db.execute(sql: #"UPDATE records SET fields = '{"country":"Narnia"}' WHERE rowid = 3"#)
        }
        #expect {
            try store.verify()
        } throws: { error in
            guard case StoreError.corrupt(_, let reason) = error else { return false }
            return reason.contains("records.fields")
        }
    }

    @Test func verifyFindsARecordMissingFromTheReadModel() throws {
        // Given a populated store whose records table lost a row behind the log's back
        let store = try populated()
        let lost = try store.writer.write { db in
            defer { try? db.execute(sql: "DELETE FROM records WHERE rowid = 5") }
            return try Row.fetchOne(db, sql: "SELECT id, seq FROM records WHERE rowid = 5")!
        }
        // When it is verified
        // Then verify names the record and the event that created it
        #expect(throws: StoreError.corrupt(seq: lost["seq"], reason: "records lacks \(lost["id"] as String), which the log creates here")) {
            try store.verify()
        }
    }

    @Test func verifyFindsARecordTheLogNeverCreated() throws {
        // Given a populated store whose records table gained a row behind the log's back
        let store = try populated()
        try store.writer.write { db in
            try db.execute(sql: "INSERT INTO records (id, dataset_id, version, seq) SELECT 'stray', dataset_id, version, seq FROM records WHERE rowid = 1")
        }
        // When it is verified
        // Then verify names it
        #expect(throws: StoreError.corrupt(seq: nil, reason: "records has stray, which the log never created")) {
            try store.verify()
        }
    }

    @Test func theLogIsCutIntoThirtyTwoSlicesACoreAtLeastOfAPowerOfTwoEvents() {
        #expect(Store.sliceWidth(events: 1_000_001, cores: 2) == 8_192)
        #expect(Store.sliceWidth(events: 100_001, cores: 2) == 1_024)
        #expect(Store.sliceWidth(events: 1_000_001, cores: 8) == 2_048)
        #expect(Store.sliceWidth(events: 100_001, cores: 64) == 1_024)
        #expect(Store.sliceWidth(events: 20, cores: 2) == 1_024)
        #expect(Store.sliceWidth(events: 50_000_000, cores: 2) == 65_536)
    }

    @Test func verifyInSlicesChecksEveryRecordRowOnceInTheOrderOfCreation() throws {
        // Given 2,500 records verified in slices of 1,024 events, so that their rows are checked by three slices
        let store = try Given.store()
        try Given.imported((1...2_500).map { Given.specimen($0) }, into: store)
        let whole = try store.verify(chainSliceWidth: 1 << 12)
        #expect(try store.verify(chainSliceWidth: 1_024) == whole)
        // When the rows of the records the second slice creates move, in their order, to the end of the table (so that
        // each slice finds its own rows in order, and only their joining is out of it)
        try store.writer.write { db in
            try db.execute(sql: "UPDATE records SET rowid = rowid + 10000 WHERE seq BETWEEN 1025 AND 2048")
        }
        // Then verify finds the rowids out of the order of creation, in one slice or in three
        for width: Int64 in [1_024, 1 << 12] {
            #expect(throws: StoreError.corrupt(seq: nil, reason: "records has rowids out of the order the log created the records in")) {
                try store.verify(chainSliceWidth: width)
            }
        }
    }

    @Test func theFlagIndexIsComparedWholeAcrossTheSlices() throws {
        // Given 2,500 records, every odd one flagged for zero coordinates, verified in slices of 1,024 events, so that
        // each slice finds flags of its own
        let store = try Given.store()
        try Given.imported(
            (1...2_500).map { Given.specimen($0, $0 % 2 == 1 ? ["decimalLatitude": "0", "decimalLongitude": "0"] : [:]) }, into: store)
        #expect(try store.count("SELECT count(*) FROM record_flags WHERE code = 'ZERO_COORDINATE'") == 1_250)
        #expect(try store.verify(chainSliceWidth: 1_024) == store.verify(chainSliceWidth: 1 << 12))
        // When an entry of the last slice's records moves to a record of the first that has no such flag
        try store.writer.write { db in
            try db.execute(sql: "UPDATE record_flags SET record_rowid = 2 WHERE code = 'ZERO_COORDINATE' AND record_rowid = 2499")
        }
        // Then verify finds it, in one slice or in three
        for width: Int64 in [1_024, 1 << 12] {
            #expect(throws: StoreError.corrupt(seq: nil, reason: "record_flags has entries that are not its records' flags")) {
                try store.verify(chainSliceWidth: width)
            }
        }
    }

    @Test func verifyFindsADatasetThatDiffersFromTheLog() throws {
        let store = try populated()
        try store.writer.write { db in try db.execute(sql: "UPDATE datasets SET title = 'Other'") }
        #expect(throws: StoreError.corrupt(seq: nil, reason: "the datasets read model differs from a replay of the log")) {
            try store.verify()
        }
    }

    @Test func verifyChecksTheLastRecordRowToo() throws {
        // Given a populated store whose last record row (the end of the last slice verify reads) is altered
        let store = try populated()
        try store.writer.write { db in
            try db.execute(sql: "UPDATE records SET year = 1066 WHERE rowid = (SELECT max(rowid) FROM records)")
        }
        // When it is verified
        // Then the difference is found
        #expect {
            try store.verify()
        } throws: { error in
            guard case StoreError.corrupt(_, let reason) = error else { return false }
            return reason.contains("records.year")
        }
    }

    @Test func replayReadsRecordEventsOfEveryShapeAsTheAppendDid() throws {
        // Given records appended one by one (projected by Projector): a plain one, one with extension rows,
        // one whose fields hold a value that is not a string, one with escapes and non-ASCII text
        let store = try populated()
        let datas: [JSONValue] = [
            ["dataset": "odd", "fields": ["catalogNumber": "X1", "year": " 1999 ", "decimalLatitude": "91"]],
            ["dataset": "odd", "fields": ["catalogNumber": "X2"], "extensions": ["Multimedia": [["identifier": "a.jpg"]]]],
            ["dataset": "odd", "fields": ["catalogNumber": "X3", "count": 3]],
            ["dataset": "odd", "fields": ["locality": "Zürich \"Nord\"\n\u{1}", "year": "\u{2003}1850"]],
        ]
        try store.write { log in
            for (index, data) in datas.enumerated() {
                try log.append(
                    NewEvent(stream: "record/odd-\(index)", type: EventType.recordImported, actor: "system", data: data),
                    expectedVersion: 0)
            }
        }
        let before = try store.verify()
        // When the read models are rebuilt in bulk
        try store.replay()
        // Then they are the same, row for row
        #expect(try store.verify() == before)
        #expect(try store.count("SELECT count(*) FROM records WHERE year = 1850 OR year = 1999") == 2)
    }
}
