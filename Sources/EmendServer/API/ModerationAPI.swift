import EmendCore
import EmendStore
import Hummingbird

/// The curators' JSON API: the queue of proposals in their scope, and accepting or rejecting them.
struct ModerationAPI {
    let store: Store
    let baseURL: String

    func addRoutes(to api: RouterGroup<EmendRequestContext>) {
        api.get("moderation/queue", use: queue)
        api.post("proposals/:id/accept", use: accept)
        api.post("proposals/:id/reject", use: reject)
        api.post("proposals/bulk", use: bulk)
        api.post("moderation/bulk-accept", use: bulkAccept)
        api.get("moderation/health", use: health)
        api.post("proposals/:id/ask", use: ask)
        api.post("proposals/:id/answer", use: answer)
        api.post("reports/:id/resolve", use: resolve)
        api.post("reports/:id/proposal", use: propose)
        api.post("annotations/:id/hide", use: hide)
        api.post("records/:id/revert", use: revert)
    }

    /// A curator restores an earlier version of a record, with a reason; it becomes the next version.
    @Sendable func revert(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        guard let version = body["version"]?.intValue else {
            throw RequestError.badParameter("version", reason: "required: the version to restore, a whole number")
        }
        let (record, made) = try store.revertRecord(
            try context.parameters.require("id"), to: version, reason: try RecordsAPI.string(body, "reason") ?? "", curator: user)
        return JSONResponse(["record": .string(record), "version": .int(made)])
    }

    @Sendable func ask(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        let proposal = try store.askAboutProposal(
            try context.parameters.require("id"), question: try RecordsAPI.string(body, "question") ?? "", curator: user)
        return JSONResponse(Representation.proposal(proposal))
    }

    /// The contributor's answer; `changes`, if given, replace the proposal's on the record's current version.
    @Sendable func answer(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        let proposal = try store.answerAboutProposal(
            try context.parameters.require("id"), answer: try RecordsAPI.string(body, "answer") ?? "",
            changes: try RecordsAPI.termValues(body, "changes"), contributor: user)
        return JSONResponse(Representation.proposal(proposal))
    }

    @Sendable func resolve(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        let report = try store.resolveReport(
            try context.parameters.require("id"), resolution: try RecordsAPI.string(body, "resolution") ?? "",
            version: body["version"]?.intValue, note: try RecordsAPI.string(body, "note"), curator: user)
        return JSONResponse(Representation.report(report))
    }

    /// A curator turns a report into a proposal of their own changes; it joins the queue like any other.
    @Sendable func propose(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        guard let changes = try RecordsAPI.termValues(body, "changes") else {
            throw RequestError.badParameter("changes", reason: "required: an object {term: new value, or null to remove the term}")
        }
        let proposal = try store.turnReportIntoProposal(
            try context.parameters.require("id"), changes: changes, rationale: try RecordsAPI.string(body, "rationale"), curator: user)
        return JSONResponse(Representation.proposal(proposal), status: .created).response
    }

    @Sendable func hide(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        try store.hideAnnotation(try context.parameters.require("id"), reason: try RecordsAPI.string(body, "reason") ?? "", curator: user)
        return Response(status: .noContent)
    }

    /// Queue health for curators and managers: pending by collection, ages in seconds, decisions per week.
    @Sendable func health(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        let health = try store.queueHealth(for: user)
        let decided = health.decisionsPerWeek.reduce(0) { $0 + $1.decided }, accepted = health.decisionsPerWeek.reduce(0) { $0 + $1.accepted }
        func seconds(_ milliseconds: Int64?) -> JSONValue { milliseconds.map { .int($0 / 1000) } ?? .null }
        return JSONResponse([
            "pendingByCollection": .object(health.pendingByCollection.mapValues { .int(Int64($0)) }),
            "pending": .int(Int64(health.pendingByCollection.values.reduce(0, +))),
            "medianAgeSeconds": seconds(health.medianAge), "p90AgeSeconds": seconds(health.p90Age),
            "oldestAgeSeconds": seconds(health.oldestAge),
            "decisionsPerWeek": .array(health.decisionsPerWeek.map { ["decided": .int(Int64($0.decided)), "accepted": .int(Int64($0.accepted))] }),
            // Per cent, rounded down: the log holds no floating point and neither does the API.
            "acceptedPercent": decided == 0 ? .null : .int(Int64(accepted * 100 / decided)),
        ])
    }

    @Sendable func queue(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        var query = QueueQuery()
        var kind = "proposal"
        for (key, value) in request.uri.queryParameters {
            let value = String(value)
            switch key {
            case "kind":
                guard ["proposal", "report", "annotation"].contains(value) else {
                    throw RequestError.badParameter("kind", reason: "proposal, report or annotation; got \"\(value)\"")
                }
                kind = value
            case "status":
                guard ["open", "needs-info", "accepted", "rejected", "fixed", "not-a-problem", "duplicate", "proposed"].contains(value) else {
                    throw RequestError.badParameter(
                        "status",
                        reason: "open, needs-info, accepted or rejected (proposals), fixed, not-a-problem, duplicate or proposed (reports); got \"\(value)\"")
                }
                query.status = value
            case "institutionCode": query.institutionCode = value
            case "collectionCode": query.collectionCode = value
            case "dataset": query.dataset = value
            case "term": query.term = value
            case "submitter": query.submitter = value
            case "rule":
                guard QualityCode(rawValue: value) != nil else {
                    throw RequestError.badParameter("rule", reason: "a quality flag's code, such as PRESUMED_SWAPPED_COORDINATE; got \"\(value)\"")
                }
                query.rule = value
            case "olderThanDays":
                guard let days = Int(value), days >= 0 else { throw RequestError.badParameter("olderThanDays", reason: "a whole number of days; got \"\(value)\"") }
                query.olderThanDays = days
            case "sort":
                guard ["oldest", "newest"].contains(value) else { throw RequestError.badParameter("sort", reason: "oldest or newest; got \"\(value)\"") }
                query.newestFirst = value == "newest"
            case "limit":
                guard let limit = Int(value), (1...RecordQuery.maxLimit).contains(limit) else {
                    throw RequestError.badParameter("limit", reason: "a whole number from 1 to \(RecordQuery.maxLimit); got \"\(value)\"")
                }
                query.limit = limit
            case "cursor":
                guard let after = Int64(value) else { throw RequestError.badParameter("cursor", reason: "not a cursor this API gave") }
                query.after = after
            default:
                throw RequestError.badParameter(
                    String(key), reason: "unknown; known are kind, status, institutionCode, collectionCode, dataset, term, submitter, rule, olderThanDays, sort, limit, cursor")
            }
        }
        if kind == "report" {
            let (reports, next) = try store.reportQueue(status: query.status, after: query.after, limit: query.limit, for: user)
            return JSONResponse([
                "items": .array(reports.map { ["kind": "report", "report": Representation.report($0)] }),
                "next": JSONValue(next.map(String.init)),
            ])
        }
        if kind == "annotation" {
            let (notes, next) = try store.noteQueue(after: query.after, limit: query.limit, for: user)
            return JSONResponse([
                "items": .array(notes.map { ["kind": "annotation", "annotation": Representation.annotation($0, baseURL: baseURL)] }),
                "next": JSONValue(next.map(String.init)),
            ])
        }
        let page = try store.moderationQueue(query, for: user)
        return JSONResponse([
            "items": .array(page.items.map { item in
                [
                    "kind": "proposal", "proposal": Representation.proposal(item.proposal),
                    "record": [
                        "id": .string(item.proposal.recordID), "version": .int(item.recordVersion),
                        "scientificName": JSONValue(item.scientificName), "catalogNumber": JSONValue(item.catalogNumber),
                        "institutionCode": JSONValue(item.institutionCode), "collectionCode": JSONValue(item.collectionCode),
                    ],
                    "stale": Representation.changes(item.stale),
                    "submitter": [
                        "id": .string(item.proposal.actor), "name": JSONValue(item.proposal.actorName),
                        "accepted": .int(Int64(item.submitterAccepted)), "rejected": .int(Int64(item.submitterRejected)),
                    ],
                ]
            }),
            "next": JSONValue(page.next.map(String.init)),
            "counts": .object(page.counts.mapValues { .int(Int64($0)) }),
        ])
    }

    @Sendable func accept(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        var terms: [String]?
        if let list = body["terms"] {
            guard let names = list.arrayValue?.compactMap(\.stringValue), names.count == list.arrayValue?.count else {
                throw RequestError.badParameter("terms", reason: "an array of term names")
            }
            terms = names
        }
        let (record, version) = try store.acceptProposal(
            try context.parameters.require("id"), terms: terms, edits: try RecordsAPI.termValues(body, "edits") ?? [:], note: try RecordsAPI.string(body, "note"), curator: user)
        return JSONResponse(["record": .string(record), "version": .int(version)])
    }

    @Sendable func reject(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        let proposal = try store.rejectProposal(
            try context.parameters.require("id"), reason: try RecordsAPI.string(body, "reason") ?? "", curator: user)
        return JSONResponse(Representation.proposal(proposal))
    }

    /// A curator accepts the open machine suggestions of one quality rule in their scope (and the institution and
    /// collection named), up to `limit`, each as an ordinary acceptance; stale ones stay open and are counted.
    @Sendable func bulkAccept(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        guard user.role == .curator || user.role == .admin else {
            throw RequestError.forbidden("bulk acceptance is for curators and admins; \(user.name) is \(user.role.rawValue)")
        }
        let body = try await RecordsAPI.jsonObject(request, context: context)
        guard let rule = try RecordsAPI.string(body, "rule") else {
            throw RequestError.badParameter("rule", reason: "required: the quality rule whose suggestions to accept, such as PRESUMED_SWAPPED_COORDINATE")
        }
        var limit = 1_000
        if let value = body["limit"], value != .null {
            guard let number = value.intValue, (1...Int64(Store.bulkAcceptLimit)).contains(number) else {
                throw RequestError.badParameter("limit", reason: "a whole number from 1 to \(Store.bulkAcceptLimit)")
            }
            limit = Int(number)
        }
        let result = try store.acceptSuggestions(
            rule: rule, institutionCode: try RecordsAPI.string(body, "institutionCode"),
            collectionCode: try RecordsAPI.string(body, "collectionCode"), limit: limit, note: try RecordsAPI.string(body, "note"),
            curator: user)
        return JSONResponse([
            "rule": .string(rule), "accepted": .int(Int64(result.accepted)), "stale": .int(Int64(result.stale)),
            "remaining": .int(Int64(result.remaining)),
        ])
    }

    /// Many proposals decided with one action (and one reason): each on its own, so that one stale or out-of-scope
    /// proposal does not stop the others. The answer lists every id with its outcome.
    @Sendable func bulk(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        guard let ids = body["ids"]?.arrayValue?.compactMap(\.stringValue), !ids.isEmpty, ids.count <= 1000 else {
            throw RequestError.badParameter("ids", reason: "an array of 1 to 1000 proposal ids")
        }
        let action = try RecordsAPI.string(body, "action")
        guard action == "accept" || action == "reject" else {
            throw RequestError.badParameter("action", reason: "accept or reject")
        }
        let reason = try RecordsAPI.string(body, "reason") ?? ""
        if action == "reject" { _ = try Contributions.requiredText(reason, field: "reason") }
        var results: [JSONValue] = []
        for id in ids {
            do {
                if action == "accept" {
                    let (record, version) = try store.acceptProposal(id, terms: nil, edits: [:], note: reason, curator: user)
                    results.append(["id": .string(id), "ok": true, "record": .string(record), "version": .int(version)])
                } else {
                    _ = try store.rejectProposal(id, reason: reason, curator: user)
                    results.append(["id": .string(id), "ok": true])
                }
            } catch {
                let description = ErrorDescription(error)
                results.append(["id": .string(id), "ok": false, "error": description.json["error"] ?? .null])
            }
        }
        return JSONResponse(["results": .array(results)])
    }
}
