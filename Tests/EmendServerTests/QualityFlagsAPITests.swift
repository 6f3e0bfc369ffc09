import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct QualityFlagsAPITests {
    /// The curator accepts a contributor's proposal that puts BM001 (occ-1) at 0,0.
    private func zeroBM001(_ app: TestApp, _ client: any TestClientProtocol) async throws {
        let proposed = try await client.post(
            "/api/records/\(TestApp.id("occ-1"))/proposals",
            json: #"{"baseVersion": 1, "changes": {"decimalLatitude": "0", "decimalLongitude": "0"}, "rationale": "as on the label"}"#,
            token: app.contributorToken)
        let id = try #require(proposed.jsonBody["id"]?.stringValue, "\(proposed.text)")
        let accepted = try await client.post("/api/proposals/\(id)/accept", json: "{}", token: app.curatorToken)
        #expect(accepted.status == .ok, "\(accepted.text)")
    }

    @Test func recordsCarryTheirFlagsAndSearchFiltersAndFacetsOnThem() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given a clean record, then a version of it at 0,0
            #expect(try await client.json("/api/records/\(TestApp.id("occ-1"))")["flags"] == [])
            let before = try await client.json("/api/records?flag=ZERO_COORDINATE")
            try await zeroBM001(app, client)
            // When it is read, and searched by flag
            let record = try await client.json("/api/records/\(TestApp.id("occ-1"))")
            let flagged = try await client.json("/api/records?flag=ZERO_COORDINATE&facet=flag")
            let past = try await client.json("/api/records?flag=ZERO_COORDINATE&asOf=\(try #require(record["seq"]?.intValue) - 2)")
            // Then the version carries the code and its explanation, and the search finds it now and not before
            #expect(record["flags"] == ["ZERO_COORDINATE"])
            #expect(record["quality"]?[0]?["severity"] == "warning")
            #expect(record["quality"]?[0]?["message"]?.stringValue?.contains("0") == true)
            #expect(before["total"] == 0 && past["total"] == 0)
            #expect(flagged["total"] == 1 && flagged["records"]?[0]?["flags"] == ["ZERO_COORDINATE"])
            #expect(flagged["facets"]?["flag"] == [["value": "ZERO_COORDINATE", "count": 1]])
            #expect(try await client.json("/api/records/\(TestApp.id("occ-1"))?version=1")["flags"] == [])
        }
    }

    @Test func aBadFlagOrASortByFlagIsRefusedNamingTheParameter() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let unknown = try await client.get("/api/records?flag=WRONG_COLOUR")
            #expect(unknown.status == .badRequest && unknown.text.contains("flag") && unknown.text.contains("ZERO_COORDINATE"), "\(unknown.text)")
            let sorted = try await client.get("/api/records?sort=flag")
            #expect(sorted.status == .badRequest && sorted.text.contains("sort"), "\(sorted.text)")
        }
    }

    @Test func theRecordPageExplainsEachFlagAndSearchShowsThem() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given BM001 at 0,0
            try await zeroBM001(app, client)
            // When its page and a search for it are shown
            let page = try await client.get("/records/\(TestApp.id("occ-1"))").text
            let search = try await client.get("/search?flag=ZERO_COORDINATE").text
            let clean = try await client.get("/records/\(TestApp.id("occ-2"))").text
            // Then the page explains the flag and links to the others like it; the search facets and marks it
            #expect(page.contains("Data quality") && page.contains("<code>ZERO_COORDINATE</code>"))
            #expect(page.contains(#"href="/search?flag=ZERO_COORDINATE""#))
            #expect(search.contains("1 records") && search.contains(#"title="quality flag">ZERO_COORDINATE</span>"#))
            #expect(clean.contains("No quality check flags this version."))
        }
    }
}
