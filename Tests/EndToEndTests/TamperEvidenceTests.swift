import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite(.serialized) struct TamperEvidenceTests {
    static let script = CLI.packageRoot.appendingPathComponent("scripts/verify_log.py").path

    /// A database of 1,200 records imported from a CSV: 1,201 events, with checkpoints at 1,000 and at the end of the
    /// import, and its export in `log.ndjson`.
    func populated(_ work: Workspace) throws {
        let csv = "occurrenceID,scientificName\n" + (0..<1_200).map { "o\($0),Quercus \($0)\n" }.joined()
        let imported = try CLI.run(["import", "--db", work.db, try work.write("specimens.csv", csv)])
        #expect(imported.status == 0, "\(imported.stderr)")
        let exported = try CLI.run(["log", "export", "--db", work.db, "--out", work.path("log.ndjson")])
        #expect(exported.status == 0, "\(exported.stderr)")
    }

    @Test func theIndependentScriptChecksTheCheckpointAndProofsOfALiveServer() async throws {
        // Given the database served on a free port of 127.0.0.1
        let work = try Workspace()
        try populated(work)
        let port = Int.random(in: 20_000..<40_000)
        let server = try CLI.start(["serve", "--db", work.db, "--port", "\(port)"])
        defer { server.terminate() }
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<300 where !up {
            try await Task.sleep(for: .milliseconds(100))
            up = (try? await URLSession.shared.data(from: URL(string: "\(base)/health")!))
                .map { ($0.1 as? HTTPURLResponse)?.statusCode == 200 } ?? false
        }
        #expect(up)
        let sources = [
            "checkpoint": "\(base)/api/checkpoints/latest", "key": "\(base)/api/checkpoints/key",
            "inclusion-7": "\(base)/api/log/7/proof?treeSize=1201", "inclusion-1201": "\(base)/api/log/1201/proof?treeSize=1201",
            "consistency": "\(base)/api/checkpoints/consistency?from=1000&to=1201",
        ]
        func arguments(_ source: (String) -> String) -> [String] {
            [
                "--checkpoint", source("checkpoint"), "--key", source("key"), "--inclusion", source("inclusion-7"),
                "--inclusion", source("inclusion-1201"), "--consistency", "1000", "1201", source("consistency"),
            ]
        }
        // When the script checks the export against the server's checkpoint, key and proofs
        let live = try CLI.python([Self.script, work.path("log.ndjson")] + arguments { sources[$0]! })
        // Then they all hold
        #expect(live.status == 0, "\(live.stdout)\(live.stderr)")
        #expect(live.stdout.hasPrefix("OK: 1201 events, last hash "))
        #expect(live.stdout.hasSuffix("; 2 inclusion and 1 consistency proofs hold\n"))
        #expect(live.stdout.contains("; checkpoint of 1201 events signed by "))

        // Given the same answers saved as files
        for (name, url) in sources {
            let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
            try data.write(to: URL(fileURLWithPath: work.path("\(name).json")))
        }
        server.terminate()
        server.waitUntilExit()
        func check() throws -> CLI.Result {
            try CLI.python([Self.script, work.path("log.ndjson")] + arguments { work.path("\($0).json") })
        }
        #expect(try check().status == 0)
        let original = try String(contentsOfFile: work.path("log.ndjson"), encoding: .utf8)
        // When one line of the export is altered
        var lines = original.split(separator: "\n").map(String.init)
        lines[41] = lines[41].replacingOccurrences(of: #""occurrenceID":"o41""#, with: #""occurrenceID":"x41""#)
        try (lines.joined(separator: "\n") + "\n").write(toFile: work.path("log.ndjson"), atomically: true, encoding: .utf8)
        // Then the script fails naming its event
        let altered = try check()
        #expect(altered.status == 1)
        #expect(altered.stdout == "FAILED: seq 42: hash does not match the event\n")
        // When the same event is altered and every hash after it made again, so that the chain holds
        let rewrite = try CLI.python([
            "-c",
            """
            import hashlib, json, sys
            fields = ("actor", "data", "id", "recordedAt", "seq", "stream", "streamVersion", "type")
            events = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
            events[41]["data"]["fields"]["occurrenceID"] = "x41"
            previous = bytes(32)
            with open(sys.argv[1], "w", encoding="utf-8") as out:
                for event in events:
                    canonical = json.dumps({k: event[k] for k in fields}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                    event["prevHash"], previous = previous.hex(), hashlib.sha256(previous + canonical.encode()).digest()
                    event["hash"] = previous.hex()
                    out.write(json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\\n")
            """,
            work.path("log.ndjson"),
        ])
        #expect(rewrite.status == 0, "\(rewrite.stderr)")
        // Then the script fails: the log's root is not the one the server signed
        let rewritten = try check()
        #expect(rewritten.status == 1)
        #expect(rewritten.stdout.hasPrefix("FAILED: the checkpoint of 1201 events signed the root "), "\(rewritten.stdout)")
    }

    @Test func checkpointSignsOnDemandAndVerifyChecksEveryOne() throws {
        // Given an empty database
        let work = try Workspace()
        let empty = try CLI.run(["checkpoint", "--db", work.db])
        #expect(empty.status != 0 && empty.stderr.contains("the log is empty: there is nothing to checkpoint"))
        // When 1,200 records are imported and a checkpoint asked for
        try populated(work)
        let checkpoint = try CLI.run(["checkpoint", "--db", work.db])
        // Then it prints the import's last checkpoint, which covers the whole log
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        #expect(checkpoint.stdout.hasPrefix(#"{"rootHash":""#) && checkpoint.stdout.hasSuffix(#","treeSize":1201}"# + "\n"))
        // And verify checks both checkpoints
        let verify = try CLI.run(["verify", "--db", work.db])
        #expect(verify.stdout.contains("2 checkpoints signed and matching the log; the latest covers 1201 events"), "\(verify.stdout)")
        // When the export is replayed into an empty database with its own key
        let copy = work.path("copy.sqlite")
        let replay = try CLI.run(["replay", "--db", copy, "--key", work.path("copy.key"), "--from", work.path("log.ndjson")])
        #expect(replay.status == 0, "\(replay.stderr)")
        // Then the copy signs its own checkpoints of the same log, which verify with its key and no other
        #expect(try CLI.run(["verify", "--db", copy, "--key", work.path("copy.key")]).stdout.contains("2 checkpoints signed"))
        let otherKey = try CLI.run(["verify", "--db", copy])
        #expect(otherKey.status != 0 && otherKey.stderr.contains("its signature does not verify with the checkpoint key"))
        let copied = try CLI.run(["checkpoint", "--db", copy, "--key", work.path("copy.key")])
        func root(_ json: String) -> String? {
            (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["rootHash"] as? String
        }
        #expect(root(copied.stdout) != nil && root(copied.stdout) == root(checkpoint.stdout))
    }
}
