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
        // Then the home page counts both archives' records, and the demo users' tokens were printed
        #expect(home?.contains("1915 records in 2 datasets") == true, "\(home ?? "no answer")")
        server.terminate()
        server.waitUntilExit()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.contains("Demo: curator demo-curator, API token emend_"))
        #expect(printed.contains("Demo: contributor demo-contributor, API token emend_"))
    }
}
