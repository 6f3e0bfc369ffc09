import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct SuggestionAPITests {
    static let rule = "PRESUMED_SWAPPED_COORDINATE"

    /// The test app with the swapped specimens imported and the quality bot run over them.
    func app() async throws -> TestApp {
        let app = try await TestApp()
        try app.importCSV(swappedCSV, dataset: "swapped")
        let run = try app.store.suggestQualityFixes()
        #expect(run.suggested == [Self.rule: 4], "\(run)")
        return app
    }

    static func id(_ occurrenceID: String) -> String { Identifiers.recordID(dataset: "swapped", key: occurrenceID) }

    @Test func theQueueFiltersByRuleAndLabelsMachineSuggestions() async throws {
        // Given four swap suggestions, three in the curator's scope
        let app = try await app()
        try await app.test { client async throws in
            // When the curator asks for that rule's suggestions
            let page = try await client.execute(
                uri: "/api/moderation/queue?rule=\(Self.rule)", method: .get, headers: [.authorization: "Bearer \(app.curatorToken)"])
            // Then they are the three of NHMUK, by system:quality, naming the rule
            #expect(page.status == .ok)
            let items = try #require(page.jsonBody["items"]?.arrayValue)
            #expect(items.count == 3)
            for item in items {
                #expect(item["proposal"]?["rule"] == .string(Self.rule))
                #expect(item["proposal"]?["machineSuggestion"] == true)
                #expect(item["proposal"]?["actor"] == "system:quality")
                #expect(item["record"]?["institutionCode"] == "NHMUK")
            }
            // And another rule has none, and an unknown one is refused
            let none = try await client.execute(
                uri: "/api/moderation/queue?rule=ZERO_COORDINATE", method: .get, headers: [.authorization: "Bearer \(app.curatorToken)"])
            #expect(none.jsonBody["items"]?.arrayValue?.isEmpty == true)
            let unknown = try await client.execute(
                uri: "/api/moderation/queue?rule=SWAPPED", method: .get, headers: [.authorization: "Bearer \(app.curatorToken)"])
            #expect(unknown.status == .badRequest)
            #expect(unknown.jsonBody["error"]?["field"] == "rule")
        }
    }

    @Test func bulkAcceptIsForCuratorsWithinTheirScope() async throws {
        let app = try await app()
        try await app.test { client async throws in
            // A contributor is refused; so is the curator for another institution's records; a bad rule is a 400
            let contributor = try await client.post("/api/moderation/bulk-accept", json: #"{"rule": "\#(Self.rule)"}"#, token: app.contributorToken)
            #expect(contributor.status == .forbidden)
            let elsewhere = try await client.post(
                "/api/moderation/bulk-accept", json: #"{"rule": "\#(Self.rule)", "institutionCode": "CNCI"}"#, token: app.curatorToken)
            #expect(elsewhere.status == .forbidden)
            let bad = try await client.post("/api/moderation/bulk-accept", json: #"{"rule": "NOPE"}"#, token: app.curatorToken)
            #expect(bad.status == .badRequest)
            let anonymous = try await client.post("/api/moderation/bulk-accept", json: #"{"rule": "\#(Self.rule)"}"#)
            #expect(anonymous.status == .unauthorized)
            #expect(try app.store.contributions(byActor: "system:quality").proposals.allSatisfy { $0.status == "open" })
        }
    }

    @Test func bulkAcceptAcceptsEachAsAnOrdinaryAcceptanceAndSkipsStaleOnes() async throws {
        // Given the swap suggestions, and sw-3's latitude corrected by hand meanwhile
        let app = try await app()
        try await app.test { client async throws in
            let curator = try #require(try app.store.user(forToken: app.curatorToken))
            let contributor = try #require(try app.store.user(forToken: app.contributorToken))
            let byHand = try app.store.submitProposal(
                record: Self.id("sw-3"), baseVersion: 1, changes: ["decimalLatitude": "48.85", "decimalLongitude": "2.35"], rationale: "label",
                actor: contributor)
            _ = try app.store.acceptProposal(byHand.id, terms: nil, edits: [:], note: nil, curator: curator)
            // When the curator accepts one, then the rest
            let first = try await client.post("/api/moderation/bulk-accept", json: #"{"rule": "\#(Self.rule)", "limit": 1}"#, token: app.curatorToken)
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.jsonBody == ["rule": .string(Self.rule), "accepted": 1, "stale": 0, "remaining": 2])
            let rest = try await client.post("/api/moderation/bulk-accept", json: #"{"rule": "\#(Self.rule)"}"#, token: app.curatorToken)
            // Then the other in scope is accepted, the stale one skipped and left open, CNCI's untouched
            #expect(rest.jsonBody == ["rule": .string(Self.rule), "accepted": 1, "stale": 1, "remaining": 0])
            let record = try app.store.record(id: Self.id("sw-2"))
            #expect(record.state.version == 2)
            #expect(record.state.fields["decimalLatitude"] == "52.2")
            #expect(record.state.fields["decimalLongitude"] == "-1.5")
            let suggestions = try app.store.contributions(byActor: "system:quality").proposals
            #expect(suggestions.filter { $0.status == "accepted" }.map(\.decidedBy) == [curator.id, curator.id])
            #expect(Set(suggestions.filter { $0.status == "open" }.map(\.recordID)) == [Self.id("sw-3"), Self.id("sw-4")])
            // And each acceptance made the record's version with the proposal as its cause
            let history = try await client.json("/api/records/\(Self.id("sw-1"))/history")
            #expect(history["versions"]?.arrayValue?.last?["cause"]?["kind"] == "proposal")
        }
    }
}
