import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct PageTests {
    let id = TestApp.id("occ-4")

    @Test func everyPageRenders() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let browser = Browser(client)
            for path in [
                "/", "/search", "/search?q=apis&country=Ghana&year=1900..2000", "/records/\(id)", "/records/\(id)?version=1",
                "/records/\(id)/history", "/datasets/test", "/login", "/register", "/static/emend.css",
            ] {
                let response = try await browser.get(path)
                #expect(response.status == .ok, "\(path)")
            }
            // Missing things get an error page, and pages for members send others to log in
            #expect(try await browser.get("/records/nope").status == .notFound)
            #expect(try await browser.get("/datasets/nope").status == .notFound)
            #expect(try await browser.get("/me").headers[.location] == "/login?next=/me")
            #expect(try await browser.get("/records/\(id)/suggest").headers[.location] == "/login?next=/records/\(id)/suggest")
            // A bad search is explained on the search page itself
            let bad = try await browser.get("/search?year=soon")
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("year: a year"))
        }
    }

    @Test func theRecordPageGroupsTermsByClassAndTheSearchPageHasFacets() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let record = try await client.get("/records/\(id)").text
            #expect(record.contains("<h1>Gryon floridanum</h1>"))
            let location = try #require(record.range(of: #"<h2 id="group-location">Location</h2>"#))
            let taxon = try #require(record.range(of: #"<h2 id="group-taxon">Taxon</h2>"#))
            #expect(record[location.upperBound..<taxon.lowerBound].contains("<dt>locality</dt><dd>Accra</dd>"))
            let search = try await client.get("/search?institutionCode=CNCI").text
            #expect(search.contains("2 records"))
            #expect(search.contains(#"<a href="/search?institutionCode=CNCI&amp;country=Ghana">Ghana</a>"#))
            // A facet value replaces a filter on the same term rather than adding a second one
            let nothing = try await client.get("/search?q=zzz").text
            #expect(nothing.contains("0 records") && !nothing.contains("Next page") && !nothing.contains("<h2>country</h2>"))
            let narrowed = try await client.get("/search?year=1900..1960").text
            #expect(narrowed.contains(#"<a href="/search?year=1925">1925</a>"#))
        }
    }

    @Test func formsWithoutTheSiteCSRFTokenAreRefused() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let browser = Browser(client)
            try await browser.get("/records/\(id)")
            let forged = try await browser.post(
                "/records/\(id)/reports", [("category", "date"), ("description", "forged")], csrf: "A" + String(repeating: "b", count: 42))
            #expect(forged.status == .forbidden)
            #expect(try app.store.contributions(onRecord: id).reports.isEmpty)
        }
    }

    @Test func registerLogInAndOut() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given a visitor who registers
            let browser = Browser(client)
            try await browser.get("/register")
            let registered = try await browser.post("/register", [("name", "alice"), ("password", "correct horse battery")])
            #expect(registered.status == .seeOther)
            #expect(browser.hasSession)
            #expect(try await browser.get("/me").text.contains("Signed in as <strong>alice</strong>"))
            // And makes an API token for a script, which then acts as her
            let tokenPage = try await browser.post("/me/tokens", []).text
            let token = try #require(tokenPage.range(of: #"emend_[0-9a-f]{64}"#, options: .regularExpression).map { String(tokenPage[$0]) })
            let note = try await client.post(
                "/api/records/\(TestApp.id("occ-1"))/annotations", json: #"{"motivation": "commenting", "text": "From a script"}"#, token: token)
            #expect(note.jsonBody["creator"]?["nickname"] == "alice")
            // When they log out, they are signed out
            try await browser.post("/logout", [])
            #expect(try await browser.get("/me").status == .seeOther)
            // And a name already taken or a short password is refused with the reason
            try await browser.get("/register")
            #expect(try await browser.post("/register", [("name", "alice"), ("password", "another long one")]).text.contains("is taken"))
            #expect(try await browser.post("/register", [("name", "bob"), ("password", "short")]).status == .badRequest)
            // Logging in again works; a wrong password and an unknown name get the same answer
            try await browser.get("/login")
            let wrongPassword = try await browser.post("/login", [("name", "alice"), ("password", "wrong password")])
            let unknownName = try await browser.post("/login", [("name", "alicf"), ("password", "wrong password")])
            #expect(wrongPassword.status == .unauthorized)
            #expect(wrongPassword.text.replacingOccurrences(of: "alice", with: "alicf") == unknownName.text)
            let loggedIn = try await browser.post("/login", [("name", "alice"), ("password", "correct horse battery"), ("next", "/search")])
            #expect(loggedIn.headers[.location] == "/search")
            #expect(try await browser.get("/").text.contains("My contributions (alice)"))
            // A next address off the site is ignored
            try await browser.get("/login")
            let offSite = try await browser.post("/login", [("name", "alice"), ("password", "correct horse battery"), ("next", "//evil.example")])
            #expect(offSite.headers[.location] == "/")
        }
    }

    @Test func contributingFromThePages() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let browser = Browser(client)
            try await browser.get("/register")
            try await browser.post("/register", [("name", "alice"), ("password", "correct horse battery")])
            // When she suggests a correction: one value changed, one term added
            try await browser.get("/records/\(id)/suggest")
            let proposed = try await browser.post(
                "/records/\(id)/proposals",
                [
                    ("baseVersion", "1"), ("value-locality", "Accra, Legon"), ("value-country", "Ghana"),
                    ("new-term-1", "decimalLatitude"), ("new-value-1", "5.65"), ("rationale", "Label says Legon"),
                ])
            #expect(proposed.status == .seeOther)
            let proposal = try #require(try app.store.contributions(onRecord: id).proposals.first)
            #expect(proposal.changes.map(\.term) == ["decimalLatitude", "locality"])
            // And adds a note, and a visitor reports a problem
            try await browser.get("/records/\(id)")
            #expect(try await browser.post("/records/\(id)/annotations", [("motivation", "commenting"), ("text", "Faded label")]).status == .seeOther)
            let visitor = Browser(client)
            try await visitor.get("/records/\(id)")
            #expect(try await visitor.post("/records/\(id)/reports", [("category", "date"), ("description", "Year is 1927")]).status == .seeOther)
            // Then the record page shows all three, and her page lists hers with their status
            let page = try await browser.get("/records/\(id)").text
            #expect(page.contains("Label says Legon") && page.contains("Faded label") && page.contains("Year is 1927"))
            let me = try await browser.get("/me").text
            #expect(me.contains(#"<span class="status">open</span> on <a href="/records/\#(id)">"#))
            #expect(me.contains("Faded label"))
            #expect(!me.contains("Year is 1927"))
        }
    }

    @Test func aRefusedFormKeepsWhatWasTypedAndRobotsAreIgnored() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let browser = Browser(client)
            try await browser.get("/records/\(id)")
            // A report with an e-mail address that is not one comes back with the reason and the text
            let refused = try await browser.post(
                "/records/\(id)/reports", [("category", "collector"), ("description", "Collector is M. Mensah Jr."), ("email", "nope")])
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("email: not an e-mail address"))
            #expect(refused.text.contains("Collector is M. Mensah Jr.</textarea>"))
            #expect(refused.text.contains(#"<option value="collector" selected>"#))
            // A form whose hidden honeypot is filled is thanked and dropped
            let robot = try await browser.post(
                "/records/\(id)/reports", [("category", "other"), ("description", "buy pills"), ("website", "http://spam.example")])
            #expect(robot.status == .seeOther)
            #expect(try app.store.contributions(onRecord: id).reports.isEmpty)
        }
    }

    @Test func userTextIsEscapedOnEveryPageThatShowsIt() async throws {
        let app = try await TestApp()
        let attacks = ["<script>alert(1)</script>", #""><img src=x onerror=alert(1)>"#]
        try await app.test { client async throws in
            let browser = Browser(client)
            try await browser.get("/register")
            try await browser.post("/register", [("name", "mallory"), ("password", "correct horse battery")])
            for attack in attacks {
                try await browser.get("/records/\(id)/suggest")
                try await browser.post(
                    "/records/\(id)/proposals",
                    [("baseVersion", "1"), ("value-locality", attack), ("rationale", attack), ("new-term-1", attack), ("new-value-1", "x")])
                try await browser.post(
                    "/records/\(id)/proposals", [("baseVersion", "1"), ("value-locality", attack + "!"), ("rationale", attack)])
                try await browser.get("/records/\(id)")
                try await browser.post("/records/\(id)/annotations", [("motivation", "commenting"), ("text", attack)])
                try await browser.post("/records/\(id)/annotations", [("motivation", attack), ("text", attack)])
                try await browser.post("/records/\(id)/reports", [("category", "other"), ("description", attack)])
                try await browser.post("/records/\(id)/reports", [("category", "other"), ("description", attack), ("email", attack)])
            }
            #expect(try app.store.contributions(onRecord: id).proposals.count == 2)
            let escapedSearch = "/search?q=" + SitePagesEscape.percent(attacks[1]) + "&country=" + SitePagesEscape.percent(attacks[0])
            for path in ["/records/\(id)", "/me", "/", "/records/\(id)/history", "/records/\(id)/suggest", escapedSearch, "/login?next=" + SitePagesEscape.percent(attacks[1])] {
                let page = try await browser.get(path).text
                for attack in attacks { #expect(!page.contains(attack), "\(path) shows \(attack) unescaped") }
                #expect(!page.contains("<img src=x"), "\(path)")
            }
            #expect(try await browser.get("/records/\(id)").text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            // Refused forms echo the text back, escaped too
            try await browser.get("/records/\(id)")
            let echoed = try await browser.post("/records/\(id)/annotations", [("motivation", attacks[1]), ("text", attacks[1])])
            #expect(echoed.status == .badRequest)
            #expect(!echoed.text.contains(attacks[1]) && echoed.text.contains("&quot;&gt;&lt;img src=x"))
        }
    }
}

enum SitePagesEscape {
    static func percent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

import Foundation
