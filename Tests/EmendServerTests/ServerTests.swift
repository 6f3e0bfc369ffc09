import EmendServer
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ServerTests {
    @Test func healthAndHomePageAnswer() async throws {
        // Given the application on an empty in-memory store
        let app = Application(router: try await buildRouter(store: try Store.inMemory(), configuration: ServerConfiguration(bcryptCost: 4)))
        // When the health check and the home page are asked for
        try await app.test(.router) { client in
            // Then both answer
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"lastSeq":0,"status":"ok"}"#)
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("0 records in 0 datasets"))
            }
        }
    }
}
