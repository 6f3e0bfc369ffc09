import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ContributionAPITests {
    let id = TestApp.id("occ-4")

    @Test func aProposalRecordsTheBaseVersionAndEachOldAndNewValue() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When a contributor proposes a coordinate and a corrected locality
            let response = try await client.post(
                "/api/records/\(id)/proposals",
                json: #"{"baseVersion": 1, "changes": {"decimalLatitude": "5.55", "locality": "Accra, Legon", "recordedBy": null}, "rationale": "From the label"}"#,
                token: app.contributorToken)
            // Then it is stored, open, with the old and the new value of each term
            #expect(response.status == .created, "\(response.text)")
            let proposal = response.jsonBody
            #expect(proposal["status"] == "open")
            #expect(proposal["baseVersion"] == 1)
            #expect(
                proposal["changes"] == [
                    ["term": "decimalLatitude", "from": nil, "to": "5.55"], ["term": "locality", "from": "Accra", "to": "Accra, Legon"],
                    ["term": "recordedBy", "from": "M. Mensah", "to": nil],
                ])
            // And the record itself is unchanged until a curator accepts it
            #expect(try await client.json("/api/records/\(id)")["version"] == 1)
            #expect(try app.store.contributions(onRecord: id).proposals.count == 1)
        }
    }

    @Test func proposalsAreRefusedWithTheReason() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let url = "/api/records/\(id)/proposals"
            let valid = #"{"baseVersion": 1, "changes": {"locality": "Legon"}, "rationale": "label"}"#
            // An account is needed, and a bad token is never taken for anonymous
            #expect(try await client.post(url, json: valid).status == .unauthorized)
            #expect(try await client.post(url, json: valid, token: "emend_forged").status == .unauthorized)
            // Each refusal names what is wrong
            for (body, field) in [
                (#"{"baseVersion": 1, "changes": {"locality": "Accra"}, "rationale": "same"}"#, "changes"),
                (#"{"baseVersion": 1, "changes": {"colour": "red"}, "rationale": "new term"}"#, "changes.colour"),
                (#"{"baseVersion": 1, "changes": {"Locality": "Legon"}, "rationale": "case"}"#, "changes.Locality"),
                (#"{"baseVersion": 1, "changes": {"locality": "Legon"}, "rationale": "  "}"#, "rationale"),
                (#"{"baseVersion": 1, "changes": {"locality": 5}, "rationale": "x"}"#, "changes.locality"),
                (#"{"changes": {"locality": "Legon"}, "rationale": "x"}"#, "baseVersion"),
                (#"{"baseVersion": 1, "rationale": "x"}"#, "changes"),
                (#"{"baseVersion": 1.5}"#, "body"),
                (#"{"baseVersion": 0, "changes": {"locality": "Legon"}, "rationale": "x"}"#, "baseVersion"),
                (#"{"baseVersion": 7, "changes": {"locality": "Legon"}, "rationale": "x"}"#, "baseVersion"),
                (#"[1]"#, "body"),
                (#"{"baseVersion": 1, "changes": {"locality": "\#(String(repeating: "x", count: 4001))"}, "rationale": "x"}"#, "changes.locality"),
            ] {
                let response = try await client.post(url, json: body, token: app.contributorToken)
                #expect(response.status == .badRequest, "\(body.prefix(80))")
                #expect(response.jsonBody["error"]?["field"]?.stringValue == field, "\(body.prefix(80)): \(response.text)")
            }
            // A record that does not exist is 404; a body over the limit 413
            #expect(try await client.post("/api/records/nope/proposals", json: valid, token: app.contributorToken).status == .notFound)
            let huge = try await client.post(url, json: String(repeating: " ", count: 70_000) + valid, token: app.contributorToken)
            #expect(huge.status == .contentTooLarge)
            #expect(huge.errorCode == "too_large")
            #expect(try app.store.contributions(onRecord: id).proposals.isEmpty)
            // A proposal on a version that is no longer current is a conflict
            _ = try app.store.write { log in
                try log.append(
                    NewEvent(
                        stream: RecordState.stream(id), type: EventType.recordRevised, actor: "system",
                        data: ["cause": ["kind": "import", "dataset": "test"], "changes": ["year": ["from": "1972", "to": "1927"]]]),
                    expectedVersion: 1)
            }
            let stale = try await client.post(url, json: valid, token: app.contributorToken)
            #expect(stale.status == .conflict)
            #expect(stale.errorCode == "conflict")
        }
    }

    @Test func notesAreWebAnnotations() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When a note is sent in the short form, and another as a W3C Web Annotation on one term
            let short = try await client.post(
                "/api/records/\(id)/annotations", json: #"{"motivation": "commenting", "text": "Label is faded"}"#,
                token: app.contributorToken)
            let w3c = try await client.post(
                "/api/records/\(id)/annotations",
                json: """
                    {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation", "motivation": "identifying",
                     "body": {"type": "TextualBody", "value": "Gryon myrmecophilum", "format": "text/plain"},
                     "target": {"source": "http://127.0.0.1:8080/records/\(id)", "selector": {"type": "FragmentSelector", "value": "term=scientificName"}}}
                    """,
                token: app.contributorToken)
            // Then both come back as Web Annotations
            #expect(short.status == .created, "\(short.text)")
            #expect(short.jsonBody["type"] == "Annotation")
            #expect(short.jsonBody["@context"] == "http://www.w3.org/ns/anno.jsonld")
            #expect(short.jsonBody["body"]?["value"] == "Label is faded")
            #expect(w3c.status == .created, "\(w3c.text)")
            #expect(w3c.jsonBody["motivation"] == "identifying")
            #expect(w3c.jsonBody["target"]?["selector"]?["value"] == "term=scientificName")
            #expect(w3c.jsonBody["target"]?["source"]?.stringValue?.hasSuffix("/api/records/\(id)?version=1") == true)
            // And bad ones are refused with the reason
            let bad = try await client.post(
                "/api/records/\(id)/annotations", json: #"{"motivation": "liking", "text": "nice"}"#, token: app.contributorToken)
            #expect(bad.jsonBody["error"]?["field"] == "motivation")
            let elsewhere = try await client.post(
                "/api/records/\(id)/annotations",
                json: #"{"motivation": "commenting", "body": {"type": "TextualBody", "value": "x"}, "target": "http://e.org/records/other"}"#,
                token: app.contributorToken)
            #expect(elsewhere.jsonBody["error"]?["field"] == "target")
            let link = try await client.post(
                "/api/records/\(id)/annotations", json: #"{"motivation": "commenting", "body": "http://e.org/note"}"#, token: app.contributorToken)
            #expect(link.jsonBody["error"]?["field"] == "body")
            #expect(try await client.post("/api/records/\(id)/annotations", json: #"{"motivation": "commenting", "text": "x"}"#).status == .unauthorized)
        }
    }

    @Test func anybodyMayReportAProblemWithinTheRateLimit() async throws {
        let app = try await TestApp(reportLimit: 2)
        try await app.test { client async throws in
            let url = "/api/records/\(id)/reports"
            let body = #"{"category": "location", "description": "No coordinates, but Accra is known", "term": "decimalLatitude", "email": "me@example.org"}"#
            // When anonymous clients report problems
            let first = try await client.post(url, json: body)
            #expect(first.status == .created, "\(first.text)")
            #expect(first.jsonBody["actor"]?.stringValue?.hasPrefix("anonymous:") == true)
            #expect(try await client.post(url, json: body).status == .created)
            // Then past the limit they are asked to wait
            let third = try await client.post(url, json: body)
            #expect(third.status == .tooManyRequests)
            #expect(Int(third.headers[.retryAfter] ?? "") ?? 0 > 0)
            // While a signed-in contributor is not limited
            #expect(try await client.post(url, json: body, token: app.contributorToken).status == .created)
            // And the e-mail address is kept, but never in the public log
            let log = try app.store.read { db in try String.fetchAll(db, sql: "SELECT data FROM events") }.joined()
            #expect(!log.contains("me@example.org"))
            #expect(try app.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM report_contacts") } == 3)
        }
    }

    @Test func reportsAreRefusedWithTheReason() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            for (body, field) in [
                (#"{"category": "weather", "description": "x"}"#, "category"),
                (#"{"category": "date", "description": ""}"#, "description"),
                (#"{"category": "date", "description": "x", "term": "colour"}"#, "term"),
                (#"{"category": "date", "description": "x", "email": "not an address"}"#, "email"),
            ] {
                let response = try await client.post("/api/records/\(id)/reports", json: body)
                #expect(response.jsonBody["error"]?["field"]?.stringValue == field, "\(body): \(response.text)")
            }
        }
    }
}
