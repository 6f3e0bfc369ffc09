import EmendCore
import EmendStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct CitationTests {
    @Test func theSameSearchAsOfTheSameSeqIsOneCitation() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given a user who cites a search, with its parameters in one order
            let first = try await client.post(
                "/api/citations", json: #"{"country": ["Ghana", "France"], "q": "apis"}"#, token: app.contributorToken)
            #expect(first.status == .created, "\(first.text)")
            let id = try #require(first.jsonBody["id"]?.stringValue)
            let seq = try #require(first.jsonBody["seq"]?.intValue)
            #expect(first.jsonBody["doi"]?.stringValue == "10.5072/emend.\(id)")
            #expect(first.jsonBody["url"]?.stringValue?.hasSuffix("/citations/\(id)") == true)
            #expect(first.jsonBody["total"] == 2)
            // When the same search is cited in another order, and as of the same seq
            let again = try await client.post(
                "/api/citations", json: #"{"q": "apis", "country": ["France", "Ghana"], "asOf": "\#(seq)"}"#, token: app.contributorToken)
            // Then it is the same citation, not a new one
            #expect(again.status == .ok && again.jsonBody["id"]?.stringValue == id)
            // And once the log has moved on, citing it again pins the new seq, a new identifier
            _ = try await client.post("/api/records/\(TestApp.id("occ-1"))/annotations", json: #"{"motivation": "commenting", "text": "nice"}"#, token: app.contributorToken)
            let later = try await client.post("/api/citations", json: #"{"q": "apis", "country": ["France", "Ghana"]}"#, token: app.contributorToken)
            #expect(later.status == .created && later.jsonBody["id"]?.stringValue != id)
            #expect(try await client.json("/api/citations/\(id)")["seq"]?.intValue == seq)
        }
    }

    @Test func theLandingPageLinksTheSearchThenAndNowAndFormatsTheCitation() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given a cited search
            let cited = try await client.post("/api/citations", json: #"{"institutionCode": "CNCI"}"#, token: app.contributorToken)
            let id = try #require(cited.jsonBody["id"]?.stringValue), seq = try #require(cited.jsonBody["seq"]?.intValue)
            // When anyone opens its landing page
            let page = try await client.get("/citations/\(id)")
            // Then it shows the query, the count, the pinned seq, links to rerun it then and now, and the citation formats
            #expect(page.status == .ok)
            #expect(page.text.contains("<code>institutionCode</code> = CNCI") && page.text.contains("2 records"))
            #expect(page.text.contains("href=\"/search?institutionCode=CNCI&amp;asOf=\(seq)\"") || page.text.contains("href=\"/search?institutionCode=CNCI&asOf=\(seq)\""))
            #expect(page.text.contains("@misc{emend_\(id),") && page.text.contains("TY  - DATA") && page.text.contains("https://doi.org/10.5072/emend.\(id)"))
            #expect(page.text.contains("format=dwca"))
            #expect(try await client.get("/citations/nothere").status == .notFound)
        }
    }

    @Test func citationsAndDatasetsHaveDataCiteXMLValidAgainstTheSchema() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given a cited search
            let cited = try await client.post("/api/citations", json: #"{"country": "Fiji"}"#, token: app.contributorToken)
            let id = try #require(cited.jsonBody["id"]?.stringValue)
            // When its DataCite XML and the dataset's are fetched
            let citation = try await client.get("/citations/\(id)/datacite.xml")
            let dataset = try await client.get("/datasets/test/datacite.xml")
            // Then both are valid DataCite 4.6, naming the DOI and the dataset's versions
            #expect(citation.headers[.contentType] == "application/xml; charset=utf-8")
            #expect(citation.text.contains(#"<identifier identifierType="DOI">10.5072/emend.\#(id)</identifier>"#))
            #expect(dataset.text.contains(#"relationType="HasVersion""#))
            for (name, xml) in [("citation", citation.text), ("dataset", dataset.text)] {
                let check = try Python.validateXML(xml, schema: "datacite/kernel-4.6/metadata.xsd")
                #expect(check.isEmpty, "\(name): \(check)")
            }
        }
    }

    @Test func citingNeedsAnAccountAndASearch() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            #expect(try await client.post("/api/citations", json: "{}").status == .unauthorized)
            let bad = try await client.post("/api/citations", json: #"{"year": "soon"}"#, token: app.contributorToken)
            #expect(bad.status == .badRequest && bad.jsonBody["error"]?["field"] == "year")
            let paged = try await client.post("/api/citations", json: #"{"cursor": "x"}"#, token: app.contributorToken)
            #expect(paged.status == .badRequest && paged.jsonBody["error"]?["field"] == "cursor")
        }
    }
}

/// Checks done with the tools data users have (Python's xmlschema), with none of Emend's code.
enum Python {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The schema's complaints about `xml`; empty when it is valid.
    static func validateXML(_ xml: String, schema: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("emend-\(UUID().uuidString).xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", "import sys, xmlschema; s = xmlschema.XMLSchema(sys.argv[1]); print('\\n'.join(str(e) for e in s.iter_errors(sys.argv[2])))",
            fixtures.appendingPathComponent(schema).path, file.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? text.trimmingCharacters(in: .whitespacesAndNewlines) : "python3 failed: \(text)"
    }
}
