import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct RecordAPITests {
    @Test func aRecordItsVersionsHistoryAndDiff() async throws {
        // Given a record whose locality was corrected by a re-import
        let app = try await TestApp()
        let id = TestApp.id("occ-3")
        try await app.test { client async throws in
            let record = try await client.json("/api/records/\(id)")
            #expect(record["version"] == 1)
            #expect(record["dataset"] == "test")
            #expect(record["fields"]?["scientificName"] == "Apis mellifera")
            #expect(record["recordedAt"]?.stringValue?.hasSuffix("Z") == true)
            // Then an unknown record, version or parameter is named in the error
            #expect(try await client.get("/api/records/nope").status == .notFound)
            #expect(try await client.get("/api/records/\(id)?version=2").status == .notFound)
            #expect(try await client.get("/api/records/\(id)?version=zero").jsonBody["error"]?["field"] == "version")
            #expect(try await client.get("/api/records/\(id)?colour=red").jsonBody["error"]?["field"] == "colour")
            let history = try await client.json("/api/records/\(id)/history")
            #expect(history["versions"]?.arrayValue?.count == 1)
            #expect(history["versions"]?[0]?["cause"] == ["kind": "import"])
        }
    }

    @Test func anOldVersionStaysReadable() async throws {
        // Given a record changed by a second import of its dataset
        let app = try await TestApp()
        let id = TestApp.id("occ-1")
        _ = try app.store.write { log in
            try log.append(
                NewEvent(
                    stream: RecordState.stream(id), type: EventType.recordRevised, actor: "system",
                    data: ["cause": ["kind": "import", "dataset": "test"], "changes": ["locality": ["from": "Kew Gardens", "to": "Kew"]]]),
                expectedVersion: 1)
        }
        try await app.test { client async throws in
            // Then the current version, the old one, the history and the diff all say so
            #expect(try await client.json("/api/records/\(id)")["fields"]?["locality"] == "Kew")
            #expect(try await client.json("/api/records/\(id)?version=1")["fields"]?["locality"] == "Kew Gardens")
            let history = try await client.json("/api/records/\(id)/history")
            #expect(history["versions"]?[1]?["changes"] == [["term": "locality", "from": "Kew Gardens", "to": "Kew"]])
            let diff = try await client.json("/api/records/\(id)/diff?from=1&to=2")
            #expect(diff["changes"] == [["term": "locality", "from": "Kew Gardens", "to": "Kew"]])
            #expect(try await client.get("/api/records/\(id)/diff?from=3").jsonBody["error"]?["field"] == "from")
        }
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard let items = arrayValue, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
