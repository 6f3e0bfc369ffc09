import EmendCore
import EmendStore
import Hummingbird

/// The W3C Web Annotation Protocol's annotation container at `/annotations/`: every public note, and every accepted
/// correction read as an annotation with motivation `editing`. A BasicContainer whose representation is an
/// AnnotationCollection paged by AnnotationPages (keyset pages over the seq of the event that made each item); notes
/// are created by POST with a Bearer token, as on `POST /api/records/{id}/annotations`. Accepted corrections are
/// read-only here: they are made by curators deciding proposals.
struct AnnotationContainerAPI {
    let store: Store
    let baseURL: String

    static let mediaType = #"application/ld+json; profile="http://www.w3.org/ns/anno.jsonld""#
    static let pageSize = 100
    static let containerAllow = "GET, HEAD, OPTIONS, POST"
    static let annotationAllow = "GET, HEAD, OPTIONS"

    /// How much of the contained annotations a container's answer shows (Web Annotation Protocol §5.3).
    enum Preference: Equatable {
        case minimal, iris, descriptions

        static let ldp = "http://www.w3.org/ns/ldp#"
        static let oa = "http://www.w3.org/ns/oa#"

        /// From the `Prefer` header's `return=representation; include="…"` IRIs; with none, the descriptions.
        init(prefer: String?) {
            let includes = Self.included(prefer)
            if includes.contains("\(Self.ldp)PreferMinimalContainer") {
                self = .minimal
            } else if includes.contains("\(Self.oa)PreferContainedIRIs") {
                self = .iris
            } else {
                self = .descriptions
            }
        }

        static func included(_ prefer: String?) -> [String] {
            guard let prefer, let range = prefer.range(of: #"include\s*=\s*"[^"]*""#, options: .regularExpression) else { return [] }
            let value = prefer[range].drop(while: { $0 != "\"" }).dropFirst().dropLast()
            return value.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        }
    }

    var containerIRI: String { "\(baseURL)/annotations/" }

    func addRoutes(to router: Router<EmendRequestContext>) {
        let group = router.group("annotations").add(middleware: BearerTokenMiddleware(store: store))
        group.get(use: container)
        group.head(use: container)
        group.post(use: create)
        group.on("", method: .options) { _, _ in Self.options(allow: Self.containerAllow, container: true) }
        group.get(":id", use: annotation)
        group.head(":id", use: annotation)
        group.on(":id", method: .options) { _, _ in Self.options(allow: Self.annotationAllow, container: false) }
    }

    /// The container (an AnnotationCollection with its first page, as the `Prefer` header asks), or with `after`,
    /// one of its pages.
    @Sendable func container(_ request: Request, context: EmendRequestContext) throws -> Response {
        try RecordsAPI.onlyParameters(["after", "iris", "limit"], request)
        let parameters = request.uri.queryParameters
        let limit = try parameters["limit"].map { text in
            guard let limit = Int(text), (1...Store.maxAnnotationPage).contains(limit) else {
                throw RequestError.badParameter("limit", reason: "a whole number from 1 to \(Store.maxAnnotationPage); got \"\(text)\"")
            }
            return limit
        }
        if let after = parameters["after"] {
            guard let seq = Int64(after), seq >= 0 else {
                throw RequestError.badParameter("after", reason: "a seq this container gave in a page's next, 0 for the first page; got \"\(after)\"")
            }
            let iris = try parameters["iris"].map { value in
                guard value == "1" || value == "0" else { throw RequestError.badParameter("iris", reason: "1 or 0; got \"\(value)\"") }
                return value == "1"
            } ?? false
            let page = try store.annotationContainer(after: seq, limit: limit ?? Self.pageSize)
            var json = pageJSON(page, after: seq, iris: iris, limit: limit)
            json["@context"] = "http://www.w3.org/ns/anno.jsonld"
            return Self.answer(.object(json), request: request, headers: [.allow: Self.annotationAllow])
        }
        guard parameters["iris"] == nil else {
            throw RequestError.badParameter("iris", reason: "goes with after, on a page; the container follows the Prefer header")
        }
        let preference = Preference(prefer: request.headers[.prefer])
        let page = try store.annotationContainer(after: 0, limit: limit ?? Self.pageSize)
        var json: [String: JSONValue] = [
            "@context": ["http://www.w3.org/ns/anno.jsonld", "http://www.w3.org/ns/ldp.jsonld"], "id": .string(containerIRI),
            "type": ["BasicContainer", "AnnotationCollection"],
            "label": "Notes and accepted corrections on the specimen records", "total": .int(Int64(page.total)),
        ]
        if page.total > 0 {
            json["first"] =
                preference == .minimal
                ? .string(pageIRI(after: 0, iris: false, limit: limit))
                : .object(pageJSON(page, after: 0, iris: preference == .iris, limit: limit, inContainer: true))
        }
        var headers: HTTPFields = [.allow: Self.containerAllow, .vary: "Accept, Prefer"]
        headers.append(HTTPFields.Element(name: .link, value: #"<http://www.w3.org/ns/ldp#BasicContainer>; rel="type""#))
        headers.append(HTTPFields.Element(name: .link, value: #"<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy""#))
        headers[.acceptPost] = Self.mediaType
        if request.headers[.prefer] != nil { headers[.preferenceApplied] = "return=representation" }
        return Self.answer(.object(json), request: request, headers: headers)
    }

    /// One page: its items as descriptions or IRIs, `partOf` the container, and the next page while there is one.
    private func pageJSON(
        _ page: AnnotationContainerPage, after: Int64, iris: Bool, limit: Int?, inContainer: Bool = false
    ) -> [String: JSONValue] {
        var json: [String: JSONValue] = [
            "id": .string(pageIRI(after: after, iris: iris, limit: limit)), "type": "AnnotationPage",
            "startIndex": .int(Int64(page.startIndex)),
            "items": .array(page.items.map { iris ? .string(Representation.annotationIRI($0.id, baseURL: baseURL)) : describe($0) }),
        ]
        if !inContainer {
            json["partOf"] = ["id": .string(containerIRI), "type": "AnnotationCollection", "total": .int(Int64(page.total))]
        }
        if let next = page.next { json["next"] = .string(pageIRI(after: next, iris: iris, limit: limit)) }
        return json
    }

    private func pageIRI(after: Int64, iris: Bool, limit: Int?) -> String {
        "\(containerIRI)?after=\(after)\(iris ? "&iris=1" : "")\(limit.map { "&limit=\($0)" } ?? "")"
    }

    private func describe(_ item: ContainedAnnotation) -> JSONValue {
        switch item {
        case .note(let note): Representation.annotation(note, baseURL: baseURL)
        case .edit(let edit): Representation.edit(edit, baseURL: baseURL)
        }
    }

    @Sendable func annotation(_ request: Request, context: EmendRequestContext) throws -> Response {
        try RecordsAPI.onlyParameters([], request)
        let item = try store.containedAnnotation(id: try context.parameters.require("id"))
        var headers: HTTPFields = [.allow: Self.annotationAllow, .vary: "Accept"]
        headers.append(HTTPFields.Element(name: .link, value: #"<http://www.w3.org/ns/ldp#Resource>; rel="type""#))
        return Self.answer(describe(item), request: request, headers: headers)
    }

    /// A new note: a W3C Web Annotation whose target names the record (its `source` is `…/records/{id}`, of the
    /// API or the site, with or without `?version=`), or the short form with `record`. 201 with its IRI as Location.
    @Sendable func create(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        let record = try Self.targetRecord(body)
        let note = try RecordsAPI.note(body, record: record)
        let annotation = try store.annotate(record: record, motivation: note.motivation, text: note.text, term: note.term, actor: user)
        let bytes = CanonicalJSON.encode(Representation.annotation(annotation, baseURL: baseURL))
        var headers: HTTPFields = [
            .contentType: Self.mediaType, .location: Representation.annotationIRI(annotation.id, baseURL: baseURL),
            .eTag: Self.eTag(bytes), .allow: Self.annotationAllow,
        ]
        headers.append(HTTPFields.Element(name: .link, value: #"<http://www.w3.org/ns/ldp#Resource>; rel="type""#))
        return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The record an annotation sent to the container is on: its target's source names it.
    static func targetRecord(_ body: [String: JSONValue]) throws -> String {
        if body["target"] == nil, let record = try RecordsAPI.string(body, "record") { return record }
        guard let target = body["target"] else {
            throw RequestError.badParameter("target", reason: "required: the record, as {\"source\": \"…/api/records/{id}\"} or that IRI")
        }
        let source = target.stringValue ?? target["source"]?.stringValue ?? target["id"]?.stringValue ?? ""
        guard let range = source.range(of: "/records/") else {
            throw RequestError.badParameter("target", reason: "its source must be a record of this site, …/records/{id}; got \"\(source)\"")
        }
        let id = source[range.upperBound...].prefix { !"/?#".contains($0) }
        guard !id.isEmpty else { throw RequestError.badParameter("target", reason: "its source names no record: \"\(source)\"") }
        return String(id)
    }

    /// A JSON-LD answer with a strong ETag of its bytes; 304 when `If-None-Match` names it; no body for HEAD.
    static func answer(_ json: JSONValue, request: Request, headers: HTTPFields) -> Response {
        let bytes = CanonicalJSON.encode(json)
        let tag = eTag(bytes)
        var headers = headers
        headers[.eTag] = tag
        headers[.contentType] = mediaType
        if matches(request.headers[values: .ifNoneMatch], tag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func options(allow: String, container: Bool) -> Response {
        var headers: HTTPFields = [.allow: allow]
        if container {
            headers.append(HTTPFields.Element(name: .link, value: #"<http://www.w3.org/ns/ldp#BasicContainer>; rel="type""#))
            headers[.acceptPost] = mediaType
        }
        return Response(status: .ok, headers: headers)
    }

    /// `If-None-Match` values (each may list several tags, or be `*`) against a tag; weak tags compare alike.
    static func matches(_ values: [String], _ tag: String) -> Bool {
        let tags = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        return tags.contains { $0 == "*" || $0 == tag || $0 == "W/\(tag)" }
    }

    /// A strong entity tag: FNV-1a (64 bits) of the answer's bytes, which are canonical, so equal answers tag alike.
    static func eTag(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"\(String(repeating: "0", count: 16 - hex.count))\(hex)\""
    }
}

extension HTTPFields.Element.Name {
    static let link = Self("Link")!
    static let prefer = Self("Prefer")!
    static let acceptPost = Self("Accept-Post")!
    static let preferenceApplied = Self("Preference-Applied")!
}

extension Representation {
    /// An accepted correction as a W3C Web Annotation with motivation `editing`: its target is the record at the
    /// version the acceptance made (one term's FragmentSelector when it changed one term), and its bodies say what
    /// changed, one TextualBody per term, with the contributor's rationale as a `describing` body.
    static func edit(_ edit: AcceptedCorrection, baseURL: String) -> JSONValue {
        let proposal = edit.proposal
        var bodies: [JSONValue] = edit.changes.map { change in
            func quoted(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "(none)" }
            return [
                "type": "TextualBody", "purpose": "editing", "format": "text/plain",
                "value": .string("\(change.term): \(quoted(change.from)) → \(quoted(change.to))"),
            ]
        }
        if !proposal.rationale.isEmpty {
            bodies.append(["type": "TextualBody", "purpose": "describing", "format": "text/plain", "value": .string(proposal.rationale)])
        }
        var json: [String: JSONValue] = [
            "@context": "http://www.w3.org/ns/anno.jsonld", "id": .string(annotationIRI(proposal.id, baseURL: baseURL)),
            "type": "Annotation", "motivation": "editing", "created": .string(proposal.submittedAt.rfc3339),
            "creator": annotationCreator(proposal.actor, name: proposal.actorName),
            "target": annotationTarget(
                record: proposal.recordID, version: proposal.acceptedVersion ?? proposal.baseVersion,
                term: edit.changes.count == 1 ? edit.changes[0].term : nil, baseURL: baseURL),
        ]
        if !bodies.isEmpty { json["body"] = bodies.count == 1 ? bodies[0] : .array(bodies) }
        if let decided = proposal.decidedAt { json["modified"] = .string(decided.rfc3339) }
        return .object(json)
    }
}
