import EmendCore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct CKANAPITests {
    func search(_ client: any TestClientProtocol, _ body: String, prefix: String = "/api/3/action") async throws -> TestResponse {
        try await client.post("\(prefix)/datastore_search", json: body)
    }

    @Test func packagesAndResourcesDescribeTheDatasets() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When a CKAN client lists the packages and reads the one there is
            let list = try await client.get("/api/3/action/package_list").jsonBody
            let package = try await client.get("/api/3/action/package_show?id=test").jsonBody
            // Then each answer is CKAN's envelope, and the package has one resource: its records
            #expect(list["success"] == true)
            #expect(list["result"] == ["test"])
            #expect(list["help"] == "http://127.0.0.1:8080/api/3/action/help_show?name=package_list")
            #expect(package["result"]?["title"] == "Test specimens")
            #expect(package["result"]?["num_resources"] == 1)
            let resource = try #require(package["result"]?["resources"]?[0])
            #expect(resource["datastore_active"] == true)
            #expect(try await client.get("/api/3/action/resource_show?id=\(resource["id"]?.stringValue ?? "")").jsonBody["result"] == resource)
            // And the same answers at /api/action/, by POST too
            #expect(try await client.post("/api/action/package_show", json: #"{"id": "test"}"#).jsonBody["result"] == package["result"])
            #expect(try await client.get("/api/3/action/status_show").jsonBody["result"]?["extensions"] == ["datastore"])
        }
    }

    @Test func datastoreSearchFindsFiltersSortsAndPages() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When the records resource is searched by words, by filters, sorted
            let byWords = try await search(client, #"{"resource_id": "test", "q": "Quercus"}"#).jsonBody["result"]
            let filtered = try await search(
                client, #"{"resource_id": "test", "filters": {"country": ["Fiji", "France"], "institutionCode": "NHMUK"}, "sort": "catalogNumber desc"}"#
            ).jsonBody["result"]
            // Then the records match, with CKAN's fields, total and links
            #expect(byWords?["total"] == 2)
            #expect(byWords?["records"]?.arrayValue?.compactMap { $0["scientificName"]?.stringValue }.sorted() == ["Quercus petraea", "Quercus robur"])
            #expect(byWords?["fields"]?[0] == ["id": "_id", "type": "text"])
            #expect(byWords?["records"]?[0]?["_id"] == .string(TestApp.id("occ-1")))
            #expect(filtered?["records"]?.arrayValue?.compactMap { $0["catalogNumber"]?.stringValue } == ["BM007", "BM006", "BM003"])
            #expect(filtered?["_links"]?["start"]?.stringValue?.hasPrefix("/api/3/action/datastore_search?resource_id=test") == true)
            // And q may name a field, year filters on one year, and fields choose the columns
            let one = try await search(
                client, #"{"resource_id": "test", "q": {"locality": "Kew"}, "filters": {"year": 1901}, "fields": ["catalogNumber", "year"]}"#
            ).jsonBody["result"]
            #expect(one?["records"] == [["catalogNumber": "BM001", "year": "1901"]])
            #expect(one?["fields"] == [["id": "catalogNumber", "type": "text"], ["id": "year", "type": "text"]])

            // When it is paged by offset, and by the after cursor
            var byOffset: [String] = []
            for offset in stride(from: 0, to: 8, by: 3) {
                let page = try await search(client, #"{"resource_id": "test", "limit": 3, "offset": \#(offset), "sort": "catalogNumber asc"}"#)
                    .jsonBody["result"]
                #expect(page?["total"] == 7)
                #expect(page?["_links"]?["next"]?.stringValue?.contains("offset=\(offset + 3)") == true)
                byOffset += page?["records"]?.arrayValue?.compactMap { $0["catalogNumber"]?.stringValue } ?? []
            }
            var byCursor: [String] = []
            var after: String?
            repeat {
                let page = try await search(
                    client, #"{"resource_id": "test", "limit": 3, "sort": "catalogNumber asc", "include_total": false\#(after.map { #", "after": "\#($0)""# } ?? "")}"#
                ).jsonBody["result"]
                #expect(page?["total"] == nil)
                byCursor += page?["records"]?.arrayValue?.compactMap { $0["catalogNumber"]?.stringValue } ?? []
                after = page?["after"]?.stringValue
            } while after != nil
            // Then both walk every record once, in order
            let all = ["BM001", "BM002", "BM003", "BM006", "BM007", "CN004", "CN005"]
            #expect(byOffset == all)
            #expect(byCursor == all)
            // And past the end is an empty page with the total
            let past = try await search(client, #"{"resource_id": "test", "offset": 50}"#).jsonBody["result"]
            #expect(past?["records"] == [])
            #expect(past?["total"] == 7)
        }
    }

    @Test func getTakesJSONValuedParametersAsText() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When the search comes by GET, with filters as JSON text and fields separated by commas
            let answer = try await client.get(
                "/api/3/action/datastore_search?resource_id=test&filters=%7B%22country%22%3A%22Ghana%22%7D&fields=catalogNumber&limit=1")
            // Then it is read as by POST; limit is 100 by default, and one over 1000 is taken as 1000
            #expect(answer.status == .ok)
            #expect(answer.jsonBody["result"]?["records"] == [["catalogNumber": "CN004"]])
            #expect(answer.jsonBody["result"]?["total"] == 2)
            let clamped = try await client.get("/api/3/action/datastore_search?resource_id=test&limit=5000").jsonBody["result"]
            #expect(clamped?["limit"] == 1000)
            #expect(try await client.get("/api/3/action/datastore_search?resource_id=test").jsonBody["result"]?["limit"] == 100)
        }
    }

    @Test func errorsHaveCKANsShape() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When a resource is unknown, a parameter missing or wrong, or the action unknown
            let unknown = try await search(client, #"{"resource_id": "nope"}"#)
            let missing = try await search(client, "{}")
            let badFilter = try await search(client, #"{"resource_id": "test", "filters": {"locality": "Kew"}}"#)
            let badSort = try await search(client, #"{"resource_id": "test", "sort": "locality desc"}"#)
            let badCursor = try await search(client, #"{"resource_id": "test", "after": "garbage"}"#)
            let both = try await search(client, #"{"resource_id": "test", "after": "x", "offset": 3}"#)
            let badLimit = try await search(client, #"{"resource_id": "test", "limit": -1}"#)
            let action = try await client.get("/api/3/action/package_create")
            let noPackage = try await client.get("/api/3/action/package_show?id=nope")
            // Then each is CKAN's error: 404 Not Found Error, 409 Validation Error naming the field, 400 for the action
            #expect(unknown.status == .notFound)
            #expect(unknown.jsonBody["success"] == false)
            #expect(unknown.jsonBody["error"]?["__type"] == "Not Found Error")
            #expect(unknown.jsonBody["error"]?["message"] == #"Not found: Resource "nope" was not found."#)
            #expect(missing.status == .conflict)
            #expect(missing.jsonBody["error"]?["__type"] == "Validation Error")
            #expect(missing.jsonBody["error"]?["resource_id"] == ["Missing value"])
            for response in [badFilter, badSort, badCursor, both, badLimit] {
                #expect(response.status == .conflict, "\(response.text)")
                #expect(response.jsonBody["error"]?["__type"] == "Validation Error")
                #expect(response.jsonBody["help"]?.stringValue?.hasSuffix("help_show?name=datastore_search") == true)
            }
            #expect(badFilter.jsonBody["error"]?["filters"]?[0]?.stringValue?.contains("locality") == true)
            #expect(badCursor.jsonBody["error"]?["after"] != nil)
            #expect(action.status == .badRequest)
            #expect(action.jsonBody["error"]?["message"] == "Bad request - Action name not known: package_create")
            #expect(noPackage.status == .notFound)
        }
    }
}
