import EmendCore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct AnnotationContainerTests {
    let record = TestApp.id("occ-1")
    static let mediaType = #"application/ld+json; profile="http://www.w3.org/ns/anno.jsonld""#

    func annotation(on record: String, term: String? = nil, text: String = "Kew Gardens is in Richmond.") -> String {
        let selector = term.map { #", "selector": {"type": "FragmentSelector", "value": "term=\#($0)"}"# } ?? ""
        return """
            {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation", "motivation": "commenting",
             "body": {"type": "TextualBody", "value": "\(text)"},
             "target": {"type": "SpecificResource", "source": "http://127.0.0.1:8080/api/records/\(record)"\(selector)}}
            """
    }

    @Test func postingANoteGivesItsIRIAndETag() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given a contributor's W3C annotation on one term of a record
            // When it is posted to the container
            let created = try await client.post("/annotations/", json: annotation(on: record, term: "locality"), token: app.contributorToken)
            // Then it is created, at its IRI, as the anno profile of JSON-LD
            #expect(created.status == .created, "\(created.text)")
            let location = try #require(created.headers[.location])
            #expect(location == created.jsonBody["id"]?.stringValue)
            #expect(location.hasPrefix("http://127.0.0.1:8080/annotations/"))
            #expect(created.headers[.contentType] == Self.mediaType)
            #expect(created.headers[.eTag] != nil)
            #expect(created.jsonBody["target"]?["selector"]?["value"] == "term=locality")
            #expect(created.jsonBody["target"]?["source"] == .string("http://127.0.0.1:8080/api/records/\(record)?version=1"))
            // And it reads back the same, with the same ETag, and 304 when the client has it
            let path = String(location.dropFirst("http://127.0.0.1:8080".count))
            let read = try await client.get(path)
            #expect(read.status == .ok)
            #expect(read.jsonBody == created.jsonBody)
            #expect(read.headers[.eTag] == created.headers[.eTag])
            let unchanged = try await client.get(path, headers: [.ifNoneMatch: try #require(read.headers[.eTag])])
            #expect(unchanged.status == .notModified)
            #expect(unchanged.body.readableBytes == 0)
            // And it is on the record page's list of notes, as any note is
            #expect(try await client.get("/records/\(record)").text.contains("Kew Gardens is in Richmond."))
        }
    }

    @Test func postingIsRefusedWithoutAnAccountOrARecord() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When a note comes with no token, on no record, or on one that does not exist
            let anonymous = try await client.post("/annotations/", json: annotation(on: record), token: nil)
            let nowhere = try await client.post(
                "/annotations/", json: #"{"type": "Annotation", "body": {"type": "TextualBody", "value": "x"}, "target": "http://e.org/x"}"#,
                token: app.contributorToken)
            let missing = try await client.post("/annotations/", json: annotation(on: "no-such-record"), token: app.contributorToken)
            // Then each is refused with the API's JSON error
            #expect(anonymous.status == .unauthorized)
            #expect(nowhere.status == .badRequest)
            #expect(nowhere.jsonBody["error"]?["field"] == "target")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            #expect(try await client.get("/annotations/no-such-annotation").errorCode == "not_found")
        }
    }

    @Test func theContainerPagesByPreference() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given three notes
            for n in 1...3 {
                _ = try await client.post("/annotations/", json: annotation(on: record, text: "note \(n)"), token: app.contributorToken)
            }
            // When the container is read with no preference
            let container = try await client.get("/annotations/?limit=2")
            // Then it is a BasicContainer and an AnnotationCollection with its first page of descriptions
            #expect(container.status == .ok)
            #expect(container.headers[values: HTTPFields.Element.Name("Link")!].contains(#"<http://www.w3.org/ns/ldp#BasicContainer>; rel="type""#))
            #expect(container.headers[.allow] == "GET, HEAD, OPTIONS, POST")
            #expect(container.headers[.contentType] == Self.mediaType)
            let json = container.jsonBody
            #expect(json["type"] == ["BasicContainer", "AnnotationCollection"])
            #expect(json["total"] == 3)
            #expect(json["first"]?["items"]?.arrayValue?.count == 2)
            #expect(json["first"]?["items"]?[0]?["body"]?["value"] == "note 1")
            // And its next page holds the last, as part of the container
            let nextPage = try #require(json["first"]?["next"]?.stringValue)
            let next = try await client.get(String(nextPage.dropFirst("http://127.0.0.1:8080".count)))
            #expect(next.jsonBody["type"] == "AnnotationPage")
            #expect(next.jsonBody["partOf"]?["total"] == 3)
            #expect(next.jsonBody["startIndex"] == 2)
            #expect(next.jsonBody["items"]?.arrayValue?.count == 1)
            #expect(next.jsonBody["next"] == nil)
            // And PreferContainedIRIs gives IRIs, PreferMinimalContainer only the first page's IRI
            let iris = try await client.get(
                "/annotations/", headers: [HTTPFields.Element.Name("Prefer")!: #"return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs""#])
            #expect(iris.jsonBody["first"]?["items"]?[0]?.stringValue?.hasPrefix("http://127.0.0.1:8080/annotations/") == true)
            #expect(iris.headers[HTTPFields.Element.Name("Preference-Applied")!] == "return=representation")
            let minimal = try await client.get(
                "/annotations/", headers: [HTTPFields.Element.Name("Prefer")!: #"return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer""#])
            #expect(minimal.jsonBody["first"] == "http://127.0.0.1:8080/annotations/?after=0")
            // And OPTIONS and HEAD answer with Allow and no body
            let options = try await client.execute(uri: "/annotations/", method: .options)
            #expect(options.headers[.allow] == "GET, HEAD, OPTIONS, POST")
            #expect(options.headers[HTTPFields.Element.Name("Accept-Post")!] == Self.mediaType)
            let head = try await client.execute(uri: "/annotations/", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.eTag] != nil)
            #expect(head.body.readableBytes == 0)
        }
    }

    @Test func aNoteACuratorHidLeavesTheContainer() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given two notes, one of which the curator hides
            let kept = try await client.post("/annotations/", json: annotation(on: record, text: "kept"), token: app.contributorToken)
            let hidden = try await client.post("/annotations/", json: annotation(on: record, text: "spam"), token: app.contributorToken)
            let hiddenPath = String(try #require(hidden.headers[.location]).dropFirst("http://127.0.0.1:8080".count))
            let hide = try await client.post(
                "/api/annotations/\(hiddenPath.split(separator: "/").last ?? "")/hide", json: #"{"reason": "spam"}"#, token: app.curatorToken)
            #expect(hide.status == .noContent, "\(hide.text)")
            // When the container and the hidden note are read
            let container = try await client.get("/annotations/").jsonBody
            // Then only the kept note is there, and the hidden one is not found
            #expect(container["total"] == 1)
            #expect(container["first"]?["items"]?[0]?["id"] == kept.jsonBody["id"])
            #expect(try await client.get(hiddenPath).status == .notFound)
        }
    }

    @Test func acceptedCorrectionsReadAsEditingAnnotations() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given a proposal the curator accepted in part
            let proposal = try #require(
                try await client.post(
                    "/api/records/\(record)/proposals",
                    json: #"{"baseVersion": 1, "changes": {"locality": "Royal Botanic Gardens, Kew", "year": "1902"}, "rationale": "Label"}"#,
                    token: app.contributorToken
                ).jsonBody["id"]?.stringValue)
            let accepted = try await client.post("/api/proposals/\(proposal)/accept", json: #"{"terms": ["locality"]}"#, token: app.curatorToken)
            #expect(accepted.status == .ok, "\(accepted.text)")
            // When it is read from the container
            let edit = try await client.get("/annotations/\(proposal)").jsonBody
            // Then it is an editing annotation on the version the acceptance made, on the one term it changed
            #expect(edit["motivation"] == "editing")
            #expect(edit["target"]?["source"] == .string("http://127.0.0.1:8080/api/records/\(record)?version=2"))
            #expect(edit["target"]?["selector"]?["value"] == "term=locality")
            let bodies = try #require(edit["body"]?.arrayValue)
            #expect(bodies[0]["value"] == #"locality: "Kew Gardens" → "Royal Botanic Gardens, Kew""#)
            #expect(bodies[0]["purpose"] == "editing")
            #expect(bodies[1]["value"] == "Label")
            // And the container counts it, but accepts no edits by POST of its own
            #expect(try await client.get("/annotations/").jsonBody["total"] == 1)
            let rejected = try await client.post("/api/records/\(record)/proposals",
                json: #"{"baseVersion": 2, "changes": {"year": "1903"}, "rationale": "Label"}"#, token: app.contributorToken).jsonBody["id"]?.stringValue
            _ = try await client.post("/api/proposals/\(try #require(rejected))/reject", json: #"{"reason": "no"}"#, token: app.curatorToken)
            #expect(try await client.get("/annotations/\(try #require(rejected))").status == .notFound)
        }
    }
}
