import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct TimeTravelAPITests {
    /// After S, the end of the log as `TestApp` leaves it: a curator accepts a correction moving BM001 from the
    /// United Kingdom to Ireland, and a re-import would go further, so this adds a record to Ghana directly.
    static func changeAfter(_ app: TestApp) throws {
        let contributor = try #require(try app.store.user(forToken: app.contributorToken))
        let curator = try #require(try app.store.user(forToken: app.curatorToken))
        let proposal = try app.store.submitProposal(
            record: TestApp.id("occ-1"), baseVersion: 1, changes: ["country": "Ireland", "locality": "Dublin"], rationale: "label",
            actor: contributor)
        _ = try app.store.acceptProposal(proposal.id, terms: nil, edits: [:], note: nil, curator: curator)
        _ = try app.store.write { log in
            try log.append(
                NewEvent(
                    stream: RecordState.stream("later"), type: EventType.recordImported, actor: "system",
                    data: ["dataset": "test", "fields": ["catalogNumber": "CN008", "scientificName": "Apis mellifera", "country": "Ghana"]]),
                expectedVersion: 0)
        }
    }

    @Test func aSearchAsOfSAnswersWithTheSameBytesAfterChanges() async throws {
        // Given the pages of a search with words, a filter and a facet, as of S, the end of the log
        let app = try await TestApp()
        let s = try app.store.lastSeq()
        try await app.test { client async throws in
            let search = "/api/records?q=fagaceae&institutionCode=NHMUK&facet=country&limit=2&asOf=\(s)"
            var uris = [search]
            var pages: [String] = []
            while let uri = uris.last, pages.count < uris.count {
                let page = try await client.get(uri)
                #expect(page.status == .ok)
                pages.append(page.text)
                if let next = page.jsonBody["next"]?.stringValue { uris.append(search + "&cursor=\(next)") }
            }
            #expect(pages.count == 2)
            #expect(try JSONParser.parse(pages[0])["asOf"] == .int(s))
            // When the records change
            try Self.changeAfter(app)
            #expect(try await client.get(uris[0].replacingOccurrences(of: "&asOf=\(s)", with: "")).text != pages[0])
            // Then the same requests give the same answers, byte for byte
            for (uri, page) in zip(uris, pages) { #expect(try await client.get(uri).text == page) }
            // And a time resolves to the seq of the last event recorded by then, which the answer names
            let recordedAt = try #require(try app.store.position(asOf: String(s)).recordedAt)
            let byTime = try await client.get(search.replacingOccurrences(of: "asOf=\(s)", with: "asOf=\(recordedAt.rfc3339)"))
            #expect(byTime.text == pages[0])
        }
    }

    @Test func aRecordAndItsHistoryAsOfS() async throws {
        // Given a record corrected after S
        let app = try await TestApp()
        let s = try app.store.lastSeq()
        try Self.changeAfter(app)
        let id = TestApp.id("occ-1")
        try await app.test { client async throws in
            // Then as of S it is the record as it was, saying so
            let record = try await client.json("/api/records/\(id)?asOf=\(s)")
            #expect(record["fields"]?["country"] == "United Kingdom")
            #expect(record["version"] == 1 && record["asOf"] == .int(s))
            #expect(try await client.json("/api/records/\(id)")["fields"]?["country"] == "Ireland")
            // And its history as of S ends there
            let history = try await client.json("/api/records/\(id)/history?asOf=\(s)")
            #expect(history["versions"]?.arrayValue?.count == 1 && history["asOf"] == .int(s))
            #expect(try await client.json("/api/records/\(id)/history")["versions"]?.arrayValue?.count == 2)
            // And a record that did not exist yet is not found
            #expect(try await client.get("/api/records/later?asOf=\(s)").status == .notFound)
            #expect(try await client.get("/api/records/later/history?asOf=\(s)").status == .notFound)
            #expect(try await client.get("/api/records/later").status == .ok)
        }
    }

    @Test func badAsOfValuesAreRefusedNamingAsOf() async throws {
        let app = try await TestApp()
        let s = try app.store.lastSeq()
        let id = TestApp.id("occ-1")
        try await app.test { client async throws in
            for uri in [
                "/api/records?asOf=soon", "/api/records?asOf=\(s + 1)", "/api/records?asOf=-1", "/api/records?asOf=2999-01-01T00:00:00Z",
                "/api/records/\(id)?asOf=yesterday", "/api/records/\(id)?asOf=", "/api/records/\(id)/history?asOf=1.5",
                "/api/records/\(id)?version=1&asOf=\(s)",
            ] {
                let response = try await client.get(uri)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(response.jsonBody["error"]?["field"] == "asOf", "\(uri): \(response.text)")
            }
            let message = try await client.get("/api/records?asOf=soon").jsonBody["error"]?["message"]?.stringValue
            #expect(
                message
                    == "asOf: a seq from 0 to \(s) (where the log ends now), or a time that is not in the future, such as 2026-11-25T10:00:00Z; got \"soon\""
            )
            #expect(
                try await client.get("/api/records/\(id)?version=1&asOf=\(s)").jsonBody["error"]?["message"]
                    == "asOf: give version or asOf, not both")
            // A cursor goes on only the search as of the same seq
            let next = try #require(try await client.json("/api/records?limit=2&asOf=\(s)")["next"]?.stringValue)
            let other = try await client.get("/api/records?limit=2&asOf=\(s - 1)&cursor=\(next)")
            #expect(other.status == .badRequest && other.jsonBody["error"]?["field"] == "cursor")
            #expect(try await client.get("/api/records?limit=2&cursor=\(next)").jsonBody["error"]?["field"] == "cursor")
        }
    }

    @Test func pagesInThePastSaySoAndTheirLinksStayThere() async throws {
        // Given records changed after S
        let app = try await TestApp()
        let s = try app.store.lastSeq()
        let time = try #require(try app.store.position(asOf: String(s)).recordedAt).rfc3339
        try Self.changeAfter(app)
        let id = TestApp.id("occ-1")
        try await app.test { client async throws in
            // When the search page is viewed as of S, by its time
            let search = try await client.get("/search?country=United%20Kingdom&asOf=\(time)")
            #expect(search.status == .ok)
            // Then it says so at the top, with the way back to now, and finds what it found then
            #expect(
                search.text.contains(
                    #"You are looking at the records as they were at seq \#(s) (<time datetime="\#(time)">\#(time)</time>). <a href="/search?country=United%20Kingdom">See them now</a>."#
                ))
            #expect(search.text.contains("2 records"))
            // And its links keep the seq it resolved to: records, facets, filters and the search form
            #expect(search.text.contains(#"<a href="/records/\#(id)?asOf=\#(s)">"#))
            #expect(search.text.contains(#"<a href="/search?country=United%20Kingdom&amp;asOf=\#(s)&amp;family=Fagaceae">Fagaceae</a>"#))
            #expect(search.text.contains(#"<a href="/search?asOf=\#(s)" aria-label="Remove filter country United Kingdom">"#))
            #expect(search.text.contains(#"<input type="hidden" name="asOf" value="\#(s)">"#))
            #expect(!(try await client.get("/search?country=United%20Kingdom").text.contains("You are looking at")))
            // When the record page is viewed as of S
            let record = try await client.get("/records/\(id)?asOf=\(s)").text
            // Then it shows the record as it was, says so, leaves out today's contributions and forms, and keeps the seq
            #expect(record.contains("You are looking at this record as it was at seq \(s)"))
            #expect(record.contains(#"<a href="/records/\#(id)">See it now</a>"#))
            #expect(record.contains("<dt>country</dt><dd>United Kingdom</dd>"))
            #expect(!record.contains("Proposed corrections") && !record.contains("Suggest a correction") && !record.contains("Add a note"))
            #expect(record.contains(#"<a href="/records/\#(id)/history?asOf=\#(s)">history</a> · <a href="/api/records/\#(id)?asOf=\#(s)">JSON</a>"#))
            // And its history as of S lists only the versions by then
            let history = try await client.get("/records/\(id)/history?asOf=\(s)").text
            #expect(history.contains("You are looking at the history of this record as it was at seq \(s)"))
            #expect(history.contains(#"<a href="/records/\#(id)?asOf=\#(s)">"#))
            #expect(history.contains("Version 1") && !history.contains("Version 2"))
            // And a page before the first event says so, and a bad asOf is explained
            #expect(try await client.get("/search?asOf=0").text.contains("at seq 0 (before the first event)"))
            let bad = try await client.get("/records/\(id)?asOf=soon")
            #expect(bad.status == .badRequest && bad.text.contains("asOf: a seq from 0 to"))
            #expect(try await client.get("/search?asOf=soon").status == .badRequest)
        }
    }
}
