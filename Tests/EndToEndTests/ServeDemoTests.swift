import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite struct ServeDemoTests {
    @Test func theDemoServesTheBundledArchives() async throws {
        // Given `emend serve --demo` on a free port of 127.0.0.1
        let port = Int.random(in: 20_000..<40_000)
        let output = Pipe()
        let server = try CLI.start(["serve", "--demo", "--port", "\(port)"], stdout: output)
        defer { server.terminate() }
        // When it is up
        var home: String?
        for _ in 0..<300 where home == nil {
            try await Task.sleep(for: .milliseconds(100))
            if let (data, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/")!),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                home = String(decoding: data, as: UTF8.self)
            }
        }
        // Then the home page counts both archives' records
        #expect(home?.contains("1915 records in 2 datasets") == true, "\(home ?? "no answer")")
        // And the printed contributor token can send a note through the live API
        let printed = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let token = try #require(
            printed.split(separator: "\n").first { $0.hasPrefix("Demo: contributor demo-contributor, password demo-") }?
                .components(separatedBy: "API token ").last)
        #expect(printed.contains("Demo: curator demo-curator, password demo-"))
        let (searchData, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/api/records?limit=1")!)
        let search = try #require(try JSONSerialization.jsonObject(with: searchData) as? [String: Any])
        let id = try #require(((search["records"] as? [[String: Any]])?.first?["id"]) as? String)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/records/\(id)/annotations")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"motivation": "commenting", "text": "Seen in the demo"}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 201)
        server.terminate()
        server.waitUntilExit()
    }
}
