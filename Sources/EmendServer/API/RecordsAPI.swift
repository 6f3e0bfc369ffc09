import EmendCore
import EmendStore
import Hummingbird

/// The JSON API over records: search, a record and its versions, and the contributions scripts may send.
struct RecordsAPI {
    let store: Store
    let contributors: Contributors

    func addRoutes(to api: RouterGroup<EmendRequestContext>) {
        api.get("records", use: search)
        api.get("records/:id", use: record)
        api.get("records/:id/history", use: history)
        api.get("records/:id/diff", use: diff)
        api.post("records/:id/proposals", use: propose)
        api.post("records/:id/annotations", use: annotate)
        api.post("records/:id/reports", use: report)
    }

    @Sendable func search(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        JSONResponse(
            canonical: Representation.search(try await store.search(try SearchParameters.query(request.uri.queryParameters, store: store))))
    }

    @Sendable func record(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        try Self.onlyParameters(["version", "asOf"], request)
        let id = try context.parameters.require("id")
        if let asOf = try Self.position(request, store: store) {
            return JSONResponse(Representation.record(try store.record(id: id, asOf: asOf), asOf: asOf))
        }
        let version = try request.uri.queryParameters["version"].map { try Self.positive("version", String($0)) }
        return JSONResponse(Representation.record(try store.record(id: id, version: version)))
    }

    @Sendable func history(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        try Self.onlyParameters(["asOf"], request)
        let id = try context.parameters.require("id")
        let asOf = try Self.position(request, store: store)
        return JSONResponse(Representation.history(id: id, try store.history(id: id, asOf: asOf), asOf: asOf))
    }

    /// Where the log ended at the request's `asOf`, if it has one. A version is a point in the record's own history
    /// and `asOf` one in the log's: a request names one or the other.
    static func position(_ request: Request, store: Store) throws -> LogPosition? {
        guard let asOf = request.uri.queryParameters["asOf"] else { return nil }
        guard request.uri.queryParameters["version"] == nil else {
            throw RequestError.badParameter("asOf", reason: "give version or asOf, not both")
        }
        return try store.position(asOf: String(asOf))
    }

    @Sendable func diff(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        try Self.onlyParameters(["from", "to"], request)
        let id = try context.parameters.require("id")
        let versions = try store.history(id: id)
        func state(_ name: String, default value: Int64) throws -> RecordState {
            let number = try request.uri.queryParameters[name[...]].map { try Self.positive(name, String($0)) } ?? value
            guard let version = versions.first(where: { $0.state.version == number }) else {
                throw RequestError.badParameter(name, reason: "record \(id) has versions 1 to \(versions.count); got \(number)")
            }
            return version.state
        }
        let from = try state("from", default: max(1, Int64(versions.count) - 1)), to = try state("to", default: Int64(versions.count))
        return JSONResponse([
            "id": .string(id), "from": .int(from.version), "to": .int(to.version),
            "changes": Representation.changes(TermChange.between(from.fields, to.fields)),
        ])
    }

    @Sendable func propose(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let user = try Self.signedIn(context)
        let body = try await Self.jsonObject(request, context: context)
        guard let baseVersion = body["baseVersion"]?.intValue, baseVersion > 0 else {
            throw RequestError.badParameter(
                "baseVersion", reason: "required: the version of the record the changes are based on, a whole number from 1")
        }
        guard let proposed = try Self.termValues(body, "changes") else {
            throw RequestError.badParameter("changes", reason: "required: an object {term: new value, or null to remove the term}")
        }
        let proposal = try store.submitProposal(
            record: try context.parameters.require("id"), baseVersion: baseVersion, changes: proposed,
            rationale: try Self.string(body, "rationale") ?? "", actor: user)
        return JSONResponse(Representation.proposal(proposal), status: .created).response
    }

    /// A W3C Web Annotation (its `motivation`, a TextualBody's `value` or `bodyValue`, and a `term=NAME`
    /// FragmentSelector on its target), or the short form `{"motivation", "text", "term"?}`.
    @Sendable func annotate(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let user = try Self.signedIn(context)
        let id = try context.parameters.require("id")
        let note = try Self.note(try await Self.jsonObject(request, context: context), record: id)
        let annotation = try store.annotate(record: id, motivation: note.motivation, text: note.text, term: note.term, actor: user)
        return JSONResponse(Representation.annotation(annotation, baseURL: contributors.baseURL), status: .created).response
    }

    /// What a note on record `id` says, from a W3C Web Annotation or the short form; the store checks the values.
    static func note(_ body: [String: JSONValue], record id: String) throws -> (motivation: String, text: String, term: String?) {
        var motivation = try Self.string(body, "motivation")
        if let first = body["motivation"]?.arrayValue?.first?.stringValue { motivation = first }
        if let name = motivation, name.hasPrefix("oa:") { motivation = String(name.dropFirst(3)) }
        var text = try Self.string(body, "text") ?? Self.string(body, "bodyValue"), term = try Self.string(body, "term")
        if let annotationBody = body["body"] {
            // A string body is a link in the W3C model, not text: only textual bodies are notes.
            text = (annotationBody.arrayValue ?? [annotationBody]).lazy.compactMap { $0["value"]?.stringValue }.first
            guard text != nil else { throw RequestError.badParameter("body", reason: "needs a TextualBody with a value") }
        }
        if let target = body["target"] {
            let source = target.stringValue ?? target["source"]?.stringValue ?? ""
            guard source.contains("/records/\(id)") else {
                throw RequestError.badParameter("target", reason: "its source must be this record, .../records/\(id)")
            }
            if let selector = target["selector"]?["value"]?.stringValue, selector.hasPrefix("term=") { term = String(selector.dropFirst(5)) }
        }
        return (motivation ?? "", text ?? "", term)
    }

    @Sendable func report(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let body = try await Self.jsonObject(request, context: context)
        let actor = try contributors.reporter(context)
        let report = try store.report(
            record: try context.parameters.require("id"), category: try Self.string(body, "category") ?? "",
            description: try Self.string(body, "description") ?? "", term: try Self.string(body, "term"),
            email: try Self.string(body, "email"), actor: actor)
        return JSONResponse(Representation.report(report), status: .created).response
    }

    static func signedIn(_ context: EmendRequestContext) throws -> User {
        guard let user = context.identity else {
            throw RequestError.unauthorized("this needs an account: send Authorization: Bearer TOKEN")
        }
        return user
    }

    static func jsonObject(_ request: Request, context: EmendRequestContext) async throws -> [String: JSONValue] {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let value: JSONValue
        do { value = try JSONParser.parse(Array(buffer.readableBytesView)) } catch {
            throw RequestError.badParameter("body", reason: "not valid JSON: \(error)")
        }
        guard let object = value.objectValue else { throw RequestError.badParameter("body", reason: "must be a JSON object") }
        return object
    }

    static func string(_ body: [String: JSONValue], _ name: String) throws -> String? {
        switch body[name] {
        case nil, .null: return nil
        case .string(let text): return text
        default: throw RequestError.badParameter(name, reason: "must be a string")
        }
    }

    /// An object `{term: value}` where null removes the term, as proposals, answers and edits carry them.
    static func termValues(_ body: [String: JSONValue], _ name: String) throws -> [String: String?]? {
        guard let value = body[name], value != .null else { return nil }
        guard let object = value.objectValue else {
            throw RequestError.badParameter(name, reason: "an object {term: new value, or null to remove the term}")
        }
        return try object.reduce(into: [:]) { values, entry in
            switch entry.value {
            case .string(let text): values[entry.key] = .some(text)
            case .null: values[entry.key] = .some(nil)
            default: throw RequestError.badParameter("\(name).\(entry.key)", reason: "a string, or null to remove the term")
            }
        }
    }

    private static func positive(_ name: String, _ text: String) throws -> Int64 {
        guard let number = Int64(text), number > 0 else {
            throw RequestError.badParameter(name, reason: "a whole number from 1; got \"\(text)\"")
        }
        return number
    }

    static func onlyParameters(_ known: Set<String>, _ request: Request) throws {
        for (key, _) in request.uri.queryParameters where !known.contains(String(key)) {
            throw RequestError.badParameter(
                String(key), reason: known.isEmpty ? "this endpoint takes no parameters" : "unknown; known are \(known.sorted().joined(separator: ", "))")
        }
    }
}
