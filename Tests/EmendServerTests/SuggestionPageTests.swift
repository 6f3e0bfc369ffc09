import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct SuggestionPageTests {
    @Test func machineSuggestionsAreLabelledAndAcceptedByRuleAfterConfirming() async throws {
        // Given the swap suggestions of the quality bot
        let app = try await TestApp()
        try app.importCSV(swappedCSV, dataset: "swapped")
        try app.store.suggestQualityFixes()
        let suggestion = try #require(
            try app.store.contributions(onRecord: Identifiers.recordID(dataset: "swapped", key: "sw-1")).proposals.first)
        try await app.test { client async throws in
            let browser = try await app.curatorBrowser(client)
            // When the curator opens the queue
            let queue = try await browser.get("/moderation").text
            // Then each is labelled a machine suggestion by system:quality with its rule, and the rule's count links to
            // the confirmation
            #expect(queue.contains("Machine suggestion</span> by system:quality"))
            #expect(queue.contains("rule <code>PRESUMED_SWAPPED_COORDINATE</code>"))
            #expect(queue.contains(#"<a href="/moderation/bulk-accept?rule=PRESUMED_SWAPPED_COORDINATE">Accept all 3…</a>"#))
            #expect(queue.contains(#"<option value="PRESUMED_SWAPPED_COORDINATE" >PRESUMED_SWAPPED_COORDINATE</option>"#))
            // And so is the review page, with what the rule presumes
            let review = try await browser.get("/moderation/proposals/\(suggestion.id)").text
            #expect(review.contains("<strong>Machine suggestion</strong> by system:quality, from the quality rule <code>PRESUMED_SWAPPED_COORDINATE</code>"))
            #expect(review.contains("entered the wrong way round"))
            // When the curator filters by the rule, asks to accept them all and confirms
            let filtered = try await browser.get("/moderation?rule=PRESUMED_SWAPPED_COORDINATE").text
            #expect(filtered.components(separatedBy: "Machine suggestion</span>").count - 1 == 3)
            let confirm = try await browser.get("/moderation/bulk-accept?rule=PRESUMED_SWAPPED_COORDINATE")
            #expect(confirm.status == .ok)
            #expect(confirm.text.contains("3 open suggestions of this rule in your scope (NHMUK)"))
            let unconfirmed = try await browser.post("/moderation/bulk-accept", [("rule", "PRESUMED_SWAPPED_COORDINATE"), ("limit", "1000")])
            #expect(unconfirmed.status == .badRequest)
            let accepted = try await browser.post(
                "/moderation/bulk-accept", [("rule", "PRESUMED_SWAPPED_COORDINATE"), ("limit", "1000"), ("confirm", "yes")])
            // Then the three are accepted and the queue says so
            #expect(accepted.status == .seeOther)
            let location = try #require(accepted.headers[.location])
            #expect(location == "/moderation?rule=PRESUMED_SWAPPED_COORDINATE&notice=bulk&accepted=3&stale=0&remaining=0")
            #expect(try await browser.get(location).text.contains("Accepted 3 machine suggestions of PRESUMED_SWAPPED_COORDINATE."))
        }
    }
}
