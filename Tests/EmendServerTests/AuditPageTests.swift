import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct AuditPageTests {
    @Test func theConsoleBrowsesTheLogTheCheckpointsAndTheLastVerify() async throws {
        // Given the test records (whose import signed a checkpoint), a proposal, and a verify that passed
        let app = try await TestApp()
        try await app.test { client async throws in
            _ = try await client.post(
                "/api/records/\(TestApp.id("occ-1"))/proposals", json: #"{"baseVersion": 1, "changes": {"locality": "Kew"}, "rationale": "label"}"#,
                token: app.contributorToken)
            try app.store.recordVerifyRun(ok: true, events: try app.store.lastSeq(), summary: "OK: read models checksum abc")
            // When anyone opens the console
            let page = try await client.get("/audit")
            // Then it shows the events newest first, the checkpoint with its key, and the verify
            #expect(page.status == .ok)
            let text = page.text
            #expect(text.contains("<td>ProposalSubmitted</td>"))
            #expect(text.range(of: "ProposalSubmitted")!.lowerBound < text.range(of: "<td>RecordImported</td>")!.lowerBound)
            let checkpoint = try #require(try app.store.latestCheckpoint())
            #expect(text.contains(checkpoint.rootHash.hexString))
            #expect(text.contains("OK: read models checksum abc"))
            // And filters narrow the events: by type, by a kind of stream, by actor; a bad cursor is refused
            let imports = try await client.get("/audit?type=RecordImported").text
            #expect(!imports.contains("<td>ProposalSubmitted</td>") && imports.contains("<td>RecordImported</td>"))
            let proposals = try await client.get("/audit?stream=proposal/").text
            #expect(proposals.contains("<td>ProposalSubmitted</td>") && !proposals.contains("<td>RecordImported</td>"))
            let contributor = try #require(try app.store.user(forToken: app.contributorToken))
            #expect(try await client.get("/audit?actor=\(contributor.id)").text.components(separatedBy: "<td>ProposalSubmitted</td>").count == 2)
            #expect(try await client.get("/audit?before=nope").status == .badRequest)
        }
    }
}
