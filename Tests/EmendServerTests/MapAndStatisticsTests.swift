import EmendCore
import EmendStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct MapAndStatisticsTests {
    /// A map answer, parsed by Foundation: GeoJSON has numbers with fractions, which the canonical parser refuses.
    struct Map {
        let root: [String: Any]

        init(_ text: String) throws {
            root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        var features: [[String: Any]] { root["features"] as? [[String: Any]] ?? [] }
        var total: Int? { root["total"] as? Int }
        var cellSize: Double? { (root["cellSize"] as? NSNumber)?.doubleValue }
        var asOf: Int64? { (root["asOf"] as? NSNumber)?.int64Value }

        /// "latitude,longitude" of each cell's south-west corner → its count.
        var cells: [String: Int] {
            var cells: [String: Int] = [:]
            for feature in features {
                guard let geometry = feature["geometry"] as? [String: Any], let rings = geometry["coordinates"] as? [[[Double]]],
                    let corner = rings.first?.first, let properties = feature["properties"] as? [String: Any]
                else { continue }
                cells["\(SVGNumber(corner[1])),\(SVGNumber(corner[0]))"] = properties["count"] as? Int
            }
            return cells
        }

        func link(_ index: Int, _ name: String) -> String? {
            guard features.indices.contains(index) else { return nil }
            return (features[index]["properties"] as? [String: Any])?[name] as? String
        }
    }

    @Test func theMapCountsEachCellAndLinksToItsRecords() async throws {
        // Given the seven specimens, six of them with coordinates
        let app = try await TestApp()
        try await app.test { client async throws in
            // When the map of all of them is asked for in cells of 60°
            let response = try await client.get("/api/map?cell=60")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/geo+json")
            let map = try Map(response.text)

            // Then the British, French and Ghanaian points fall in the two cells either side of Greenwich, and the
            // Fijian ones either side of the antimeridian
            #expect(map.root["type"] as? String == "FeatureCollection")
            #expect(map.total == 6)
            #expect(map.cells == ["0,-60": 2, "0,0": 2, "-60,120": 1, "-60,-180": 1])
            #expect((map.features.first?["geometry"] as? [String: Any])?["type"] as? String == "Polygon")

            // And each cell's link finds exactly its records
            for index in map.features.indices {
                let link = try #require(map.link(index, "records"))
                #expect(link.hasPrefix("/api/records?bbox="))
                let count = (map.features[index]["properties"] as? [String: Any])?["count"] as? Int
                #expect(try await client.json(link)["total"]?.intValue == count.map(Int64.init))
            }
        }
    }

    @Test func theDefaultCellSizeFollowsTheExtentOfTheMatches() async throws {
        // Given the specimens
        let app = try await TestApp()
        try await app.test { client async throws in
            // When the map of all records, and of the two British ones, is asked for without a cell size
            let world = try Map(try await client.get("/api/map").text)
            let britain = try Map(try await client.get("/api/map?country=United%20Kingdom").text)

            // Then the world, from -180° to 180°, is in 5° cells, and two points a degree apart in 0.1° cells
            #expect(world.cellSize == 5)
            #expect(world.total == 6)
            #expect(britain.cellSize == 0.1)
            #expect(britain.cells == ["51.5,-0.2": 1, "52.2,0.1": 1])
            #expect(britain.link(0, "search") == "/search?country=United%20Kingdom&bbox=-0.2,51.5,-0.1,51.6")

            // And a cell size out of range is refused, naming cell
            let refused = try await client.get("/api/map?cell=0")
            #expect(refused.status == .badRequest)
            #expect(refused.jsonBody["error"]?["field"]?.stringValue == "cell")
        }
    }

    @Test func theMapAsOfAPastSeqIsTheMapThen() async throws {
        // Given the map as of S, and then a correction moving BM001 to Ireland and a new Ghanaian record without
        // coordinates
        let app = try await TestApp()
        let s = try app.store.lastSeq()
        try await app.test { client async throws in
            let before = try await client.get("/api/map?cell=1").text
            let contributor = try #require(try app.store.user(forToken: app.contributorToken))
            let curator = try #require(try app.store.user(forToken: app.curatorToken))
            let proposal = try app.store.submitProposal(
                record: TestApp.id("occ-1"), baseVersion: 1, changes: ["decimalLatitude": "53.35", "decimalLongitude": "-6.26"],
                rationale: "Dublin", actor: contributor)
            _ = try app.store.acceptProposal(proposal.id, terms: nil, edits: [:], note: nil, curator: curator)

            // When the map is asked for now, and as of S, over all records and over a filtered search
            let now = try Map(try await client.get("/api/map?cell=1").text)
            let then = try Map(try await client.get("/api/map?cell=1&asOf=\(s)").text)
            let filteredThen = try Map(try await client.get("/api/map?cell=1&institutionCode=NHMUK&asOf=\(s)").text)

            // Then now the point is in Dublin's cell and not in London's, and as of S the map is the one of then
            #expect(now.cells["53,-7"] == 1)
            #expect(now.cells["51,-1"] == nil)
            #expect(then.cells == (try Map(before)).cells)
            #expect(then.asOf == s)
            #expect(filteredThen.cells["51,-1"] == 1)
            #expect(filteredThen.cells["53,-7"] == nil)
            // And its links stay as of S
            #expect(then.link(0, "records")?.contains("asOf=\(s)") == true)
        }
    }

    @Test func statisticsCountTheRecordsByTermAndTheCorrections() async throws {
        // Given the specimens and one accepted correction, which moves BM001 from the United Kingdom to Ireland
        let app = try await TestApp()
        let s = try app.store.lastSeq()
        try TimeTravelAPITests.changeAfter(app)
        try await app.test { client async throws in
            // When the statistics are asked for, now and as of S
            let now = try await client.json("/api/stats")
            let then = try await client.json("/api/stats?asOf=\(s)")

            // Then they count the records by term, now and then
            func counts(_ stats: JSONValue, _ term: String) -> [String: Int64] {
                var counts: [String: Int64] = [:]
                for value in stats["counts"]?[term]?["values"]?.arrayValue ?? [] { counts[value["value"]!.stringValue!] = value["count"]!.intValue! }
                return counts
            }
            #expect(now["records"]?.intValue == 8)
            #expect(counts(now, "country") == ["United Kingdom": 1, "Ireland": 1, "Ghana": 3, "France": 1, "Fiji": 2])
            #expect(counts(then, "country") == ["United Kingdom": 2, "Ghana": 2, "France": 1, "Fiji": 2])
            #expect(then["records"]?.intValue == 7)
            #expect(counts(then, "family") == ["Fagaceae": 4, "Apidae": 2, "Scelionidae": 1])
            #expect(counts(then, "collection") == ["NHMUK:BOT": 4, "NHMUK:ENT": 1, "CNCI:ENT": 2])
            #expect(counts(then, "kingdom") == ["": 7])
            #expect(then["withoutYear"]?.intValue == 1)
            #expect(then["years"]?.arrayValue?.first?["year"]?.intValue == 1880)
            // And the corrections: one proposal, accepted, by the contributor
            let community = try #require(now["community"])
            #expect(community["proposals"]?.intValue == 1)
            #expect(community["accepted"]?.intValue == 1)
            #expect(community["acceptancePercent"]?.intValue == 100)
            #expect(community["medianTimeToDecisionMs"]?.intValue == 1000)
            #expect(community["topContributors"]?.arrayValue?.first?["name"]?.stringValue == "contributor")
            #expect(then["community"]?["proposals"]?.intValue == 0)
        }
    }

    @Test func theStatisticsPageShowsEachChartsNumbersInATable() async throws {
        // Given the specimens
        let app = try await TestApp()
        try await app.test { client async throws in
            // When the statistics page is read
            let page = try await client.get("/stats")

            // Then it has an SVG chart and a table for each term, with the counts in them
            #expect(page.status == .ok)
            let text = page.text
            #expect(text.contains("<svg"))
            #expect(text.contains("<td>Fagaceae</td><td class=\"number\">4</td>"))
            #expect(text.contains("<td>NHMUK:BOT</td><td class=\"number\">4</td>"))
            #expect(text.contains("<td>1880s</td><td class=\"number\">2</td>"))
            #expect(text.contains("href=\"/search?family=Fagaceae\""))
            #expect(text.contains("No proposals yet."))
            #expect(!text.contains("<script"))
        }
    }

    @Test func theHomeSearchAndRecordPagesHaveMaps() async throws {
        // Given the specimens
        let app = try await TestApp()
        try await app.test { client async throws in
            // When the home page, a search and a record page are read
            let home = try await client.get("/").text
            let search = try await client.get("/search?country=Ghana").text
            let record = try await client.get("/records/\(TestApp.id("occ-1"))").text
            let withoutPoint = try await client.get("/records/\(TestApp.id("occ-4"))").text

            // Then the home page maps all records, each cell a link to the search of its box
            #expect(home.contains("<svg"))
            #expect(home.contains("6 records with coordinates in cells of 5°"))
            #expect(home.contains("href=\"/search?bbox=-5,50,0,55\""))
            #expect(home.contains("href=\"/stats\""))
            // And the search maps its matches, linking to the same search in each cell
            #expect(search.contains("1 records with coordinates"))
            #expect(search.contains("href=\"/search?country=Ghana&amp;bbox=-0.2,5.6,-0.1,5.7\""))
            #expect(search.contains("/api/map?country=Ghana"))
            // And a record with a point has a locator; one without has none
            #expect(record.contains("<circle cx=\"-0.12\" cy=\"51.5\""))
            #expect(!withoutPoint.contains("<circle"))
        }
    }
}

/// Degrees as the answers write them: 5, -0.2.
private func SVGNumber(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}
