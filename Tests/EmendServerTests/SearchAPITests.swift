import EmendCore
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct SearchAPITests {
    @Test func filtersByTextTermsYearsBoxAndCoordinates() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Full text over taxon, place and people, every word required; prefixes with *
            #expect(try await client.catalogNumbers("q=apis") == ["BM003", "CN005"])
            #expect(try await client.catalogNumbers("q=smith%20paris") == ["BM003"])
            #expect(try await client.catalogNumbers("q=querc*") == ["BM001", "BM002"])
            // Exact terms; a repeated term matches any of its values
            #expect(try await client.catalogNumbers("country=Ghana") == ["CN004", "CN005"])
            #expect(try await client.catalogNumbers("institutionCode=NHMUK&family=Apidae") == ["BM003"])
            #expect(try await client.catalogNumbers("country=France&country=Ghana") == ["BM003", "CN004", "CN005"])
            // Years: one, a range, or open at either end
            #expect(try await client.catalogNumbers("year=1925") == ["BM002"])
            #expect(try await client.catalogNumbers("year=1900..1950") == ["BM001", "BM002", "BM003"])
            #expect(try await client.catalogNumbers("year=1960..") == ["CN004"])
            #expect(try await client.catalogNumbers("year=..1890") == ["BM006", "BM007"])
            // Bounding boxes, including one across the antimeridian
            #expect(try await client.catalogNumbers("bbox=-1,50,1,53") == ["BM001", "BM002"])
            #expect(try await client.catalogNumbers("bbox=179,-20,-179,-10") == ["BM006", "BM007"])
            #expect(try await client.catalogNumbers("hasCoordinates=false") == ["CN004"])
            #expect(try await client.json("/api/records?hasCoordinates=true")["total"] == 6)
        }
    }

    @Test func countsFacetsAndSorts() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When a search asks for two facets
            let json = try await client.json("/api/records?institutionCode=NHMUK&facet=family&facet=country&limit=2")
            // Then the total counts every match, the page holds the limit, and the facets count values
            #expect(json["total"] == 5)
            #expect(json["records"]?.arrayValue?.count == 2)
            #expect(json["facets"]?["family"] == [["value": "Fagaceae", "count": 4], ["value": "Apidae", "count": 1]])
            #expect(json["facets"]?["country"]?.arrayValue?.first == ["value": "Fiji", "count": 2])
            // Sorting by a term puts records without it last
            #expect(try await client.catalogNumbers("sort=year") == ["BM006", "BM007", "BM001", "BM002", "BM003", "CN004", "CN005"])
            #expect(try await client.catalogNumbers("sort=-year") == ["CN004", "BM003", "BM002", "BM001", "BM007", "BM006", "CN005"])
        }
    }

    @Test(arguments: ["", "sort=year", "sort=-scientificName", "q=fagaceae%20OR%20apidae"])
    func cursorPagesVisitEveryRecordOnceWhileRecordsChange(_ parameters: String) async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let full = try await client.catalogNumbers("limit=100&\(parameters)")
            var seen: [String] = []
            var next: String? = nil
            repeat {
                let cursor = next.map { "&cursor=\($0)" } ?? ""
                let page = try await client.json("/api/records?limit=2&\(parameters)\(cursor)")
                seen += catalogNumbersIn(page)
                next = page["next"]?.stringValue
                // A record already shown changes under the reader's feet
                if seen.count == 2 {
                    let record = try app.store.record(id: TestApp.id("occ-1"))
                    _ = try app.store.submitProposal(
                        record: record.state.id, baseVersion: record.state.version, changes: ["locality": "Kew"],
                        rationale: "shorter", actor: try #require(try app.store.user(forToken: app.contributorToken)))
                }
            } while next != nil
            #expect(seen == full)
        }
    }

    @Test func answersAreCanonicalJSON() async throws {
        // The search answer is assembled from the read model's stored fields; it must still be the one canonical text
        let app = try await TestApp()
        try await app.test { client async throws in
            for uri in ["/api/records?facet=country&limit=3", "/api/records?q=zzz", "/api/records/\(TestApp.id("occ-1"))"] {
                let text = try await client.get(uri).text
                #expect(CanonicalJSON.string(try JSONParser.parse(text)) == text, "\(uri)")
            }
        }
    }

    @Test func badParametersAreRefusedWithTheirName() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            for (query, parameter) in [
                ("colour=red", "colour"), ("limit=0", "limit"), ("limit=1001", "limit"), ("year=19x", "year"),
                ("year=1950..1900", "year"), ("bbox=1,2,3", "bbox"), ("bbox=0,95,1,96", "bbox"), ("hasCoordinates=yes", "hasCoordinates"),
                ("facet=colour", "facet"), ("sort=colour", "sort"), ("cursor=abc", "cursor"), ("q=%22%2A", "q"),
            ] {
                let response = try await client.get("/api/records?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.jsonBody["error"]?["field"]?.stringValue == parameter, "\(query): \(response.text)")
            }
            // A cursor from one sort does not work with another
            let next = try await client.json("/api/records?limit=1&sort=year")["next"]?.stringValue ?? ""
            #expect(try await client.get("/api/records?limit=1&cursor=\(next)").status == .badRequest)
        }
    }
}

private func catalogNumbersIn(_ json: JSONValue) -> [String] {
    (json["records"]?.arrayValue ?? []).compactMap { $0["fields"]?["catalogNumber"]?.stringValue }
}

extension TestClientProtocol {
    /// The catalogue numbers a search finds, in order.
    func catalogNumbers(_ query: String) async throws -> [String] {
        catalogNumbersIn(try await json("/api/records?\(query)"))
    }
}
