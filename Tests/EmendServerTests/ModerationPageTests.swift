import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ModerationPageTests {
    @Test func aCuratorAcceptsOnlyTheLatitudeFromTheQueue() async throws {
        // Given a contributor's proposal of a new latitude and longitude
        let app = try await TestApp()
        let id = TestApp.id("occ-2")
        try await app.test { client async throws in
            let proposed = try await client.post(
                "/api/records/\(id)/proposals",
                json: #"{"baseVersion": 1, "changes": {"decimalLatitude": "52.21", "decimalLongitude": "0.13"}, "rationale": "Gazetteer"}"#,
                token: app.contributorToken)
            let proposal = try #require(proposed.jsonBody["id"]?.stringValue)
            // Visitors are sent to log in; contributors are refused
            let visitor = Browser(client)
            #expect(try await visitor.get("/moderation").headers[.location] == "/login?next=/moderation")
            // When the curator logs in, finds it in the queue and accepts only the latitude
            let browser = try await app.curatorBrowser(client)
            let queue = try await browser.get("/moderation").text
            #expect(queue.contains(#"<a href="/moderation/proposals/\#(proposal)">Quercus petraea</a>"#))
            #expect(queue.contains("<code>decimalLatitude</code>: <del>52.2</del> → <ins>52.21</ins>"))
            let review = try await browser.get("/moderation/proposals/\(proposal)")
            #expect(review.status == .ok)
            let accepted = try await browser.post(
                "/moderation/proposals/\(proposal)/accept",
                [("accept-decimalLatitude", "yes"), ("edit-decimalLatitude", "52.21"), ("edit-decimalLongitude", "0.13")])
            #expect(accepted.headers[.location] == "/moderation?notice=accepted")
            // Then the record page shows version 2 with the new latitude and the contributor's credit
            let record = try await browser.get("/records/\(id)").text
            #expect(record.contains("version 2"))
            #expect(record.contains("<dt>decimalLatitude</dt><dd>52.21</dd>"))
            #expect(record.contains("<dt>decimalLongitude</dt><dd>0.12</dd>"))
            #expect(record.contains("suggested by contributor and accepted by curator"))
            #expect(try app.store.contributions(byActor: try #require(try app.store.user(forToken: app.contributorToken)).id)
                .proposals.first?.status == "accepted")
        }
    }

    @Test func contributedTextIsEscapedInTheConsole() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let attack = #"\"><img src=x onerror=alert(1)><script>alert(1)</script>"#
            let proposed = try await client.post(
                "/api/records/\(TestApp.id("occ-1"))/proposals",
                json: #"{"baseVersion": 1, "changes": {"locality": "\#(attack)"}, "rationale": "\#(attack)"}"#, token: app.contributorToken)
            let proposal = try #require(proposed.jsonBody["id"]?.stringValue, "\(proposed.text)")
            let browser = try await app.curatorBrowser(client)
            for path in ["/moderation", "/moderation/proposals/\(proposal)"] {
                let page = try await browser.get(path).text
                #expect(!page.contains("<img src=x") && !page.contains("<script>alert"), "\(path)")
                #expect(page.contains("&lt;script&gt;"), "\(path)")
            }
        }
    }

    @Test func aQuestionAndItsAnswerGoThroughThePages() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let contributor = Browser(client)
            try await contributor.get("/register")
            try await contributor.post("/register", [("name", "alice"), ("password", "correct horse battery")])
            try await contributor.get("/records/\(TestApp.id("occ-1"))/suggest")
            try await contributor.post("/records/\(TestApp.id("occ-1"))/proposals", [("baseVersion", "1"), ("value-locality", "Kew"), ("rationale", "label")])
            let proposal = try #require(try app.store.contributions(onRecord: TestApp.id("occ-1")).proposals.first)
            let curatorBrowser = try await app.curatorBrowser(client)
            try await curatorBrowser.get("/moderation/proposals/\(proposal.id)")
            #expect(try await curatorBrowser.post("/moderation/proposals/\(proposal.id)/ask", [("question", "Which Kew?")]).status == .seeOther)
            let me = try await contributor.get("/me").text
            #expect(me.contains("A curator asks: <strong>Which Kew?</strong>"))
            #expect(try await contributor.post("/me/proposals/\(proposal.id)/answer", [("answer", "The Gardens")]).status == .seeOther)
            #expect(try app.store.proposal(id: proposal.id).status == "open")
            #expect(try await curatorBrowser.get("/moderation/proposals/\(proposal.id)").text.contains("the contributor answered: The Gardens"))
        }
    }

    @Test func reportsAndNotesAreHandledOnTheConsole() async throws {
        let app = try await TestApp()
        let id = TestApp.id("occ-1")
        try await app.test { client async throws in
            _ = try await client.post("/api/records/\(id)/reports", json: #"{"category": "date", "description": "Year is 1910"}"#)
            _ = try await client.post("/api/records/\(id)/annotations", json: #"{"motivation": "commenting", "text": "spam spam"}"#, token: app.contributorToken)
            let browser = try await app.curatorBrowser(client)
            let reports = try await browser.get("/moderation/reports").text
            #expect(reports.contains("Year is 1910"))
            let report = try #require(try app.store.contributions(onRecord: id).reports.first)
            #expect(try await browser.post("/moderation/reports/\(report.id)/resolve", [("resolution", "fixed"), ("version", "")]).status == .badRequest)
            #expect(try await browser.post("/moderation/reports/\(report.id)/propose", [("term", ""), ("value", "1910")]).status == .badRequest)
            #expect(try await browser.post("/moderation/reports/\(report.id)/propose", [("term", "year"), ("value", "1910")]).status == .seeOther)
            #expect(try await browser.get("/moderation/reports").text.contains("Year is 1910") == false)
            #expect(try await browser.get("/moderation").text.contains("1910"))
            #expect(try await browser.post("/moderation/reports/\(report.id)/resolve", [("resolution", "not-a-problem")]).status == .conflict)
            let note = try #require(try app.store.contributions(onRecord: id).annotations.first)
            #expect(try await browser.get("/moderation/notes").text.contains("spam spam"))
            #expect(try await browser.post("/moderation/notes/\(note.id)/hide", [("reason", "spam")]).status == .seeOther)
            #expect(try await browser.get("/records/\(id)").text.contains("spam spam") == false)
        }
    }

    @Test func aCuratorComparesAndRestoresVersionsFromTheHistory() async throws {
        let app = try await TestApp()
        let id = TestApp.id("occ-1")
        try await app.test { client async throws in
            // Given version 2 of a record
            let proposal = try #require(
                try await client.post(
                    "/api/records/\(id)/proposals", json: #"{"baseVersion": 1, "changes": {"locality": "Kew"}, "rationale": "label"}"#,
                    token: app.contributorToken
                ).jsonBody["id"]?.stringValue)
            _ = try await client.post("/api/proposals/\(proposal)/accept", json: "{}", token: app.curatorToken)
            // Visitors compare versions but are not offered to restore one
            let visitor = Browser(client)
            #expect(try await visitor.get("/records/\(id)/history").text.contains("Restore this version") == false)
            let diff = try await visitor.get("/records/\(id)/diff?from=1&to=2").text
            #expect(diff.contains("<code>locality</code> <strong>changed</strong></td><td><del>Kew Gardens</del></td><td><ins>Kew</ins>"))
            #expect(try await visitor.get("/records/\(id)/diff?from=9").status == .badRequest)
            // When the curator restores version 1 from the history, with a reason
            let browser = try await app.curatorBrowser(client)
            #expect(try await browser.get("/records/\(id)/history").text.contains("/moderation/records/\(id)/revert?version=1"))
            #expect(try await browser.get("/moderation/records/\(id)/revert?version=1").text.contains("<ins>Kew Gardens</ins>"))
            #expect(try await browser.post("/moderation/records/\(id)/revert", [("version", "1"), ("reason", "")]).status == .badRequest)
            #expect(try await browser.post("/moderation/records/\(id)/revert", [("version", "1"), ("reason", "label was right")]).status == .seeOther)
            // Then the history shows version 3 as the restore
            #expect(try await visitor.get("/records/\(id)/history").text.contains("version 1 restored: label was right"))
        }
    }

    @Test func contributorsCannotOpenTheConsole() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let browser = Browser(client)
            try await browser.get("/register")
            try await browser.post("/register", [("name", "alice"), ("password", "correct horse battery")])
            #expect(try await browser.get("/moderation").status == .forbidden)
        }
    }
}
