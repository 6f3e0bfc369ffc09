import EmendCore
import EmendStore
import GRDB
import Testing

@Suite struct LogTests {
    @Test func appendsWithContiguousSeqAndStreamVersions() throws {
        // Given an empty store
        let store = try Given.store()
        // When two events go to one stream and one to another
        let events = try store.write { log in
            [
                try log.append(NewEvent(stream: "user/a", type: "Test", actor: "system", data: ["n": 1]), expectedVersion: 0),
                try log.append(NewEvent(stream: "user/a", type: "Test", actor: "system", data: ["n": 2]), expectedVersion: 1),
                try log.append(NewEvent(stream: "user/b", type: "Test", actor: "system", data: [:]), expectedVersion: 0),
            ]
        }
        // Then seq counts 1, 2, 3 and each stream counts its own versions
        #expect(events.map(\.seq) == [1, 2, 3])
        #expect(events.map(\.streamVersion) == [1, 2, 1])
        #expect(events[0].recordedAt.rfc3339 == "2023-11-14T22:13:21.000Z")
    }

    @Test func aWrongExpectedVersionIsAConflictAndWritesNothing() throws {
        // Given a stream at version 1
        let store = try Given.store()
        try store.write { log in
            _ = try log.append(NewEvent(stream: "user/a", type: "Test", actor: "system", data: [:]), expectedVersion: 0)
        }
        // When a batch appends to another stream, then to the first expecting version 0
        #expect(throws: StoreError.conflict(stream: "user/a", expected: 0, actual: 1)) {
            try store.write { log in
                _ = try log.append(NewEvent(stream: "user/b", type: "Test", actor: "system", data: [:]), expectedVersion: 0)
                _ = try log.append(NewEvent(stream: "user/a", type: "Test", actor: "system", data: [:]), expectedVersion: 0)
            }
        }
        // Then the whole batch is gone
        #expect(try store.lastSeq() == 1)
    }

    @Test func theLogRefusesUpdatesAndDeletes() throws {
        let store = try Given.store()
        try Given.imported([Given.specimen(1)], into: store)
        #expect(throws: DatabaseError.self) { try store.writer.write { try $0.execute(sql: "UPDATE events SET actor = 'x'") } }
        #expect(throws: DatabaseError.self) { try store.writer.write { try $0.execute(sql: "DELETE FROM events") } }
    }

    @Test func exportedLinesCarryBothHashesAndParseBack() throws {
        // Given a store with a few events
        let store = try Given.store()
        try Given.imported([Given.specimen(1), Given.specimen(2)], into: store)
        // When the log is exported
        var lines: [String] = []
        try store.forEachEvent { lines.append(NDJSONLog.line($0)) }
        // Then each line names the hash before it, and parses back to the same event
        let parsed = try lines.enumerated().map { try NDJSONLog.parse($1, lineNumber: $0 + 1) }
        #expect(parsed.count == 3)
        #expect(parsed[0].prevHash == HashChain.genesis)
        #expect(parsed[1].prevHash == parsed[0].hash)
        #expect(parsed[2].event.type == EventType.datasetImported)
        #expect(lines[0].hasPrefix(#"{"actor":"system","data":{"dataset":"test","fields":{"#))
    }
}
