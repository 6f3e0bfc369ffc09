import EmendCore
import EmendServer
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct LogAPITests {
    @Test func theLogInPagesOfNDJSON() async throws {
        // Given the test app's log: seven records, their dataset and two users
        let app = try await TestApp()
        try await app.test { client async throws in
            // When the log is read whole, and from after seq 8 one event at a time
            let whole = try await client.get("/api/log")
            let page = try await client.get("/api/log?after=8&limit=1")
            // Then it is NDJSON, one event a line in seq order, as the export writes it
            #expect(whole.headers[.contentType] == "application/x-ndjson")
            let lines = whole.text.split(separator: "\n").map(String.init)
            #expect(try lines.enumerated().map { try NDJSONLog.parse($1, lineNumber: $0 + 1).event.seq } == Array(1...10))
            #expect(try NDJSONLog.parse(page.text.trimmingCharacters(in: .newlines), lineNumber: 1).event.seq == 9)
            // And bad paging is refused naming the parameter
            for (query, field) in [("limit=0", "limit"), ("limit=10001", "limit"), ("after=-1", "after"), ("after=x", "after"), ("page=2", "page")] {
                let response = try await client.get("/api/log?\(query)")
                #expect(response.status == .badRequest && response.jsonBody["error"]?["field"]?.stringValue == field, "\(query)")
            }
        }
    }

    @Test func theLatestCheckpointIsSignedWithThePublishedKey() async throws {
        // Given the test app, whose import ended with a checkpoint of its 8 events
        let app = try await TestApp()
        try await app.test { client async throws in
            // When the latest checkpoint and the key are read
            let json = try await client.json("/api/checkpoints/latest")
            let key = try await client.json("/api/checkpoints/key")
            // Then the checkpoint covers the import, and its signature verifies with the published key
            #expect(json["treeSize"] == 8)
            let checkpoint = try #require(Self.checkpoint(json))
            #expect(checkpoint.isSigned(by: app.store.publicKey))
            #expect(key == ["publicKey": .string(Array(app.store.publicKey.rawRepresentation).hexString)])
            // And one signed on demand becomes the latest
            _ = try app.store.checkpoint()
            #expect(try await client.json("/api/checkpoints/latest")["treeSize"] == 10)
        }
    }

    @Test func aLogWithNoCheckpointYetSaysSo() async throws {
        // Given an empty store
        // Then it has no latest checkpoint
        let router = try await buildRouter(store: try Store.inMemory(), configuration: ServerConfiguration(bcryptCost: 4))
        try await Application(router: router).test(.router) { client in
            let response = try await client.get("/api/checkpoints/latest")
            #expect(response.status == .notFound)
            #expect(response.jsonBody["error"]?["message"] == "checkpoint not found")
        }
    }

    @Test func proofsVerifyAgainstTheCheckpoint() async throws {
        // Given the test app's checkpoint of its first 8 events, and those events' leaves
        let app = try await TestApp()
        try await app.test { client async throws in
            let checkpoint = try #require(Self.checkpoint(try await client.json("/api/checkpoints/latest")))
            let leaves = try await client.get("/api/log?limit=8").text.split(separator: "\n").enumerated().map {
                MerkleTree.eventLeaf(try NDJSONLog.parse(String($1), lineNumber: $0 + 1).hash)
            }
            // When the inclusion proof of event 3 in that tree is asked for
            let inclusion = try await client.json("/api/log/3/proof?treeSize=8")
            // Then it leads from event 3's leaf to the checkpoint's root
            #expect(inclusion["leafIndex"] == 2 && inclusion["treeSize"] == 8)
            #expect(
                MerkleTree.verifyInclusion(
                    proof: Self.hashes(inclusion["auditPath"]), leafHash: leaves[2], index: 2, size: 8, root: checkpoint.rootHash))
            // When the proof that the tree of 8 extends the tree of 5 is asked for
            let consistency = try await client.json("/api/checkpoints/consistency?from=5&to=8")
            // Then it holds between the root of the first five leaves and the checkpoint's
            #expect(
                MerkleTree.verifyConsistency(
                    proof: Self.hashes(consistency["proof"]), from: 5, to: 8, oldRoot: MerkleTree.root(leafHashes: leaves.prefix(5)),
                    newRoot: checkpoint.rootHash))
        }
    }

    @Test func badOrOutOfRangeProofRequestsSayWhy() async throws {
        // Given the test app's log of 10 events
        let app = try await TestApp()
        try await app.test { client async throws in
            // Then a missing or malformed parameter is named in `field`
            for (uri, field) in [
                ("/api/log/x/proof?treeSize=8", "seq"), ("/api/log/0/proof?treeSize=8", "seq"), ("/api/log/3/proof", "treeSize"),
                ("/api/log/3/proof?treeSize=eight", "treeSize"), ("/api/log/3/proof?treeSize=8&size=8", "size"),
                ("/api/checkpoints/consistency?to=8", "from"), ("/api/checkpoints/consistency?from=1", "to"),
                ("/api/checkpoints/consistency?from=0&to=8", "from"),
            ] {
                let response = try await client.get(uri)
                #expect(response.status == .badRequest && response.jsonBody["error"]?["field"]?.stringValue == field, "\(uri)")
            }
            // And an event or tree the log does not have is refused saying why
            for (uri, status, message) in [
                ("/api/log/11/proof?treeSize=10", HTTPResponse.Status.notFound, "event 11 (the log has 10) not found"),
                ("/api/log/3/proof?treeSize=11", .badRequest, "treeSize: 11 is past the end of the log, which has 10 events"),
                ("/api/log/9/proof?treeSize=8", .badRequest, "treeSize: event 9 is not in the tree of the first 8 events"),
                ("/api/checkpoints/consistency?from=8&to=5", .badRequest, "from: 8 is after to (5); an older tree comes first"),
                ("/api/checkpoints/consistency?from=5&to=11", .badRequest, "to: 11 is past the end of the log, which has 10 events"),
            ] {
                let response = try await client.get(uri)
                #expect(response.status == status && response.jsonBody["error"]?["message"]?.stringValue == message, "\(uri)")
            }
        }
    }

    static func checkpoint(_ json: JSONValue) -> Checkpoint? {
        guard let treeSize = json["treeSize"]?.intValue, let root = json["rootHash"]?.stringValue.flatMap([UInt8].init(hexString:)),
            let time = json["timestamp"]?.stringValue.flatMap(Timestamp.init(rfc3339:)),
            let signature = json["signature"]?.stringValue.flatMap([UInt8].init(hexString:))
        else { return nil }
        return Checkpoint(treeSize: treeSize, rootHash: root, timestamp: time, signature: signature)
    }

    static func hashes(_ json: JSONValue?) -> [[UInt8]] {
        (json?.arrayValue ?? []).compactMap { $0.stringValue.flatMap([UInt8].init(hexString:)) }
    }
}
