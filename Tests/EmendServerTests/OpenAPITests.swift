import EmendCore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct OpenAPITests {
    @Test func everyDocumentedOperationAnswersWithADocumentedStatus() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given the document the server publishes
            let document = try await client.json("/api/openapi.json")
            #expect(document["openapi"] == "3.1.0")
            let paths = try #require(document["paths"]?.objectValue)
            #expect(paths.count >= 8)
            for (path, operations) in paths {
                for (method, operation) in operations.objectValue ?? [:] where ["get", "post"].contains(method) {
                    // When each operation is called with a real record or event and an empty body
                    let uri = path.replacingOccurrences(of: "{id}", with: TestApp.id("occ-1")).replacingOccurrences(of: "{seq}", with: "1")
                    let response =
                        method == "get"
                        ? try await client.get(uri) : try await client.post(uri, json: "{}", token: app.contributorToken)
                    // Then it exists, and answers with one of the statuses it documents
                    let documented = operation["responses"]?.objectValue?.keys.map { $0 } ?? []
                    #expect(documented.contains(String(response.status.code)), "\(method) \(path) answered \(response.status.code)")
                }
            }
        }
    }
}
