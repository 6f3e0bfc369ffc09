import EmendCore
import EmendStore
import Foundation
import Hummingbird

/// The curators' console: the queue, and reviewing one proposal.
struct ModerationPages {
    let store: Store
    let pages: PageRenderer

    func addRoutes(to site: RouterGroup<EmendRequestContext>) {
        site.get("moderation", use: queue)
        site.get("moderation/proposals/:id", use: proposal)
        site.post("moderation/proposals/:id/accept", use: accept)
        site.post("moderation/proposals/:id/reject", use: reject)
        site.post("moderation/proposals/:id/ask", use: ask)
        site.get("moderation/reports", use: reports)
        site.get("moderation/notes", use: notes)
        site.post("moderation/reports/:id/resolve", use: resolve)
        site.post("moderation/reports/:id/propose", use: propose)
        site.post("moderation/notes/:id/hide", use: hide)
        site.get("moderation/records/:id/revert", use: revertPage)
        site.post("moderation/records/:id/revert", use: revert)
    }

    /// The signed-in user, who must be allowed to see the queue.
    private func moderator(_ context: EmendRequestContext) throws -> User? {
        guard let user = context.identity else { return nil }
        guard user.mayReadQueue else { throw StoreError.forbidden("the moderation console is for curators, admins and auditors") }
        return user
    }

    @Sendable func queue(_ request: Request, context: EmendRequestContext) throws -> Response {
        guard let user = try moderator(context) else { return .seeOther("/login?next=/moderation") }
        let parameters = request.uri.queryParameters
        var query = QueueQuery()
        query.status = parameters["status"].map(String.init).flatMap { ["open", "accepted", "rejected"].contains($0) ? $0 : nil } ?? "open"
        query.institutionCode = parameters["institutionCode"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        query.collectionCode = parameters["collectionCode"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        query.rule = parameters["rule"].map(String.init).flatMap { QualityCode(rawValue: $0)?.rawValue }
        query.newestFirst = parameters["sort"] == "newest"
        query.after = parameters["cursor"].flatMap { Int64($0) }
        let page = try store.moderationQueue(query, for: user)
        let now = Date().timeIntervalSince1970
        var nextParameters = parameters.filter { $0.key != "cursor" }.map { "\($0.key)=\(SitePages.escape(String($0.value)))" }
        nextParameters.append("cursor=\(page.next ?? 0)")
        let suggestions = try SuggestionPages.ruleCounts(
            store: store, user: user, institutionCode: query.institutionCode, collectionCode: query.collectionCode)
        var values: [String: Any] = [
            "scope": user.role == .curator ? "Your scope: \(user.scopes.joined(separator: ", "))" : "All collections",
            "counts": page.counts.keys.sorted().map { ["status": $0, "count": page.counts[$0] ?? 0] },
            "statuses": RecordView.options(["open", "accepted", "rejected"], selected: query.status),
            "sorts": [
                ["value": "oldest", "label": "Oldest first", "selected": !query.newestFirst],
                ["value": "newest", "label": "Newest first", "selected": query.newestFirst],
            ],
            "order": query.newestFirst ? "newest first" : "oldest first",
            "institutionCode": query.institutionCode ?? "", "collectionCode": query.collectionCode ?? "",
            "rules": RecordView.options(QualitySuggestions.rules.map(\.rawValue), selected: query.rule).map { $0.merging(["label": $0["value"]!]) { $1 } },
            "suggestions": suggestions, "hasSuggestions": !suggestions.isEmpty,
            "mayBulkAccept": user.role == .curator || user.role == .admin,
            "hasNext": page.next != nil, "next": "/moderation?" + nextParameters.joined(separator: "&"),
            "items": page.items.map { item in
                let effect = Self.effect(item.proposal, item.recordFields)
                return [
                    "id": item.proposal.id, "name": item.scientificName ?? item.proposal.recordID,
                    "catalog": [item.institutionCode, item.collectionCode, item.catalogNumber].compactMap { $0 }.joined(separator: " "),
                    "isStale": !item.stale.isEmpty, "staleTerms": item.stale.map(\.term).joined(separator: ", "),
                    "changes": RecordView.changes(item.proposal.changes),
                    "fixes": effect.fixes, "warnings": effect.raises,
                    "machine": item.proposal.isMachineSuggestion, "rule": item.proposal.rule ?? "",
                    "submitter": item.proposal.actorName ?? item.proposal.actor, "accepted": item.submitterAccepted,
                    "rejected": item.submitterRejected, "submittedAt": item.proposal.submittedAt.rfc3339,
                    "age": Self.age(seconds: now - Double(item.proposal.submittedAt.milliseconds) / 1000),
                ] as [String: Any]
            },
        ]
        if let notice = parameters["notice"] {
            values["notice"] = notice == "bulk" ? SuggestionPages.bulkNotice(parameters) : notice == "accepted" ? "Accepted." : "Rejected."
        }
        return pages.render("queue", values, context: context)
    }

    /// The quality flags accepting the proposal would clear (as "fixes CODE") and raise (their messages), judged on
    /// the record as it is now, with today's date.
    static func effect(_ proposal: Proposal, _ fields: [String: String]) -> (fixes: [String], raises: [String]) {
        let effect = Moderation.qualityEffect(of: proposal.changes, on: fields, now: Timestamp.now().milliseconds)
        return (effect.fixes.map { "fixes \($0.code.rawValue)" }, effect.raises.map { "\($0.code.rawValue): \($0.message)" })
    }

    @Sendable func proposal(_ request: Request, context: EmendRequestContext) throws -> Response {
        let id = try context.parameters.require("id")
        guard try moderator(context) != nil else {
            return .seeOther("/login?next=/moderation/proposals/\(id)")
        }
        return try proposalPage(id, context: context)
    }

    private func proposalPage(_ id: String, error: String? = nil, status: HTTPResponse.Status = .ok, context: EmendRequestContext) throws -> Response {
        let proposal = try store.proposal(id: id)
        let record = try store.record(id: proposal.recordID)
        let fields = record.state.fields
        let history = try store.contributions(byActor: proposal.actor).proposals
        let effect = Self.effect(proposal, fields)
        var values: [String: Any] = [
            "id": id, "recordID": proposal.recordID, "name": RecordView.heading(fields, id: proposal.recordID),
            "catalog": [fields["institutionCode"], fields["collectionCode"], fields["catalogNumber"]].compactMap { $0 }.joined(separator: " "),
            "submitter": proposal.actorName ?? proposal.actor, "accepted": history.filter { $0.status == "accepted" }.count,
            "rejected": history.filter { $0.status == "rejected" }.count, "submittedAt": proposal.submittedAt.rfc3339,
            "baseVersion": proposal.baseVersion, "recordVersion": record.state.version,
            "changedSince": record.state.version != proposal.baseVersion, "status": proposal.status,
            "isOpen": proposal.isPending, "rationale": proposal.rationale, "reasons": Moderation.rejectionReasons,
            "changes": proposal.changes.map { change in
                [
                    "term": change.term, "current": fields[change.term] ?? "—", "to": change.to ?? "",
                    "stale": fields[change.term] != change.from, "now": fields[change.term] ?? "absent",
                ] as [String: Any]
            },
            "fixes": effect.fixes, "warnings": effect.raises,
            "machine": proposal.isMachineSuggestion, "rule": proposal.rule ?? "",
            "ruleExplanation": proposal.rule.flatMap(QualityCode.init(rawValue:)).map(QualitySuggestions.explanation) ?? "",
        ]
        if let decided = proposal.decidedAt {
            values["decision"] = "\(proposal.status) on \(decided.rfc3339)\(proposal.reason.map { ": \($0)" } ?? "")"
        }
        if let question = proposal.question { values["question"] = question }
        if let answer = proposal.answer { values["answer"] = answer }
        if let error { values["error"] = error }
        return pages.render("proposal", values, context: context, status: status)
    }

    @Sendable func accept(_ request: Request, context: EmendRequestContext) async throws -> Response {
        try await decideProposal(request, context: context, then: "/moderation?notice=accepted") { id, form, user in
            let proposal = try store.proposal(id: id)
            let accepted = proposal.changes.map(\.term).filter { form["accept-\($0)"] == "yes" }
            var edits: [String: String?] = [:]
            for change in proposal.changes where accepted.contains(change.term) {
                if let value = form["edit-\(change.term)"], value != (change.to ?? "") { edits[change.term] = value }
            }
            _ = try store.acceptProposal(id, terms: accepted, edits: edits, note: form["note"], curator: user)
        }
    }

    @Sendable func reject(_ request: Request, context: EmendRequestContext) async throws -> Response {
        try await decideProposal(request, context: context, then: "/moderation?notice=rejected") { id, form, user in
            let reason = [form["reason"], form["other"]].compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }.joined(separator: ": ")
            _ = try store.rejectProposal(id, reason: reason, curator: user)
        }
    }

    @Sendable func ask(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        return try await decideProposal(request, context: context, then: "/moderation/proposals/\(id)") { id, form, user in
            _ = try store.askAboutProposal(id, question: form["question"] ?? "", curator: user)
        }
    }

    /// Runs a curator's decision on a proposal from its form; when it is refused, the proposal page says why.
    private func decideProposal(
        _ request: Request, context: EmendRequestContext, then location: String,
        _ decide: (_ id: String, _ form: Form, _ user: User) throws -> Void
    ) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let user = try moderator(context) else { return .seeOther("/login") }
        var request = request
        let form = try await Form(request: &request, context: context)
        do {
            try decide(id, form, user)
        } catch let error as InvalidInput {
            return try proposalPage(id, error: error.description, status: .badRequest, context: context)
        } catch let error as StaleProposal {
            return try proposalPage(id, error: error.description, status: .conflict, context: context)
        } catch StoreError.conflict {
            return try proposalPage(id, error: "Somebody decided on this proposal or changed the record first.", status: .conflict, context: context)
        }
        return .seeOther(location)
    }

    /// What restoring `version` would change, and the form to do it with a reason.
    @Sendable func revertPage(_ request: Request, context: EmendRequestContext) throws -> Response {
        let id = try context.parameters.require("id")
        guard try moderator(context) != nil else { return .seeOther("/login?next=/records/\(id)/history") }
        let version = request.uri.queryParameters["version"].flatMap { Int64($0) } ?? 0
        return try revertForm(id, version: version, context: context)
    }

    private func revertForm(
        _ id: String, version: Int64, error: String? = nil, status: HTTPResponse.Status = .ok, context: EmendRequestContext
    ) throws -> Response {
        let versions = try store.history(id: id)
        guard let current = versions.last, let target = versions.first(where: { $0.state.version == version }), version < current.state.version else {
            throw RequestError.badParameter("version", reason: "an earlier version of record \(id), from 1 to \(versions.count - 1)")
        }
        var values: [String: Any] = [
            "id": id, "name": RecordView.heading(current.state.fields, id: id), "version": version, "current": current.state.version,
            "changes": RecordView.changes(TermChange.between(current.state.fields, target.state.fields)),
        ]
        if let error { values["error"] = error }
        return pages.render("revert", values, context: context, status: status)
    }

    @Sendable func revert(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let user = try moderator(context) else { return .seeOther("/login") }
        var request = request
        let form = try await Form(request: &request, context: context)
        let version = form["version"].flatMap { Int64($0) } ?? 0
        do {
            _ = try store.revertRecord(id, to: version, reason: form["reason"] ?? "", curator: user)
        } catch let error as InvalidInput {
            return try revertForm(id, version: version, error: error.description, status: .badRequest, context: context)
        } catch StoreError.conflict {
            return try revertForm(id, version: version, error: "The record changed meanwhile: look again.", status: .conflict, context: context)
        }
        return .seeOther("/records/\(id)/history")
    }

    @Sendable func reports(_ request: Request, context: EmendRequestContext) throws -> Response {
        guard let user = try moderator(context) else { return .seeOther("/login?next=/moderation/reports") }
        return try itemsPage(reports: true, user: user, notice: request.uri.queryParameters["notice"].map(String.init), context: context)
    }

    @Sendable func notes(_ request: Request, context: EmendRequestContext) throws -> Response {
        guard let user = try moderator(context) else { return .seeOther("/login?next=/moderation/notes") }
        return try itemsPage(reports: false, user: user, notice: request.uri.queryParameters["notice"].map(String.init), context: context)
    }

    /// Open reports, or visible notes, in the user's scope (the first 200; the API pages through the rest).
    private func itemsPage(
        reports: Bool, user: User, notice: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok,
        context: EmendRequestContext
    ) throws -> Response {
        var values: [String: Any] = ["heading": reports ? "open reports" : "notes"]
        if reports {
            let items = try store.reportQueue(status: "open", after: nil, limit: 200, for: user).items
            values["reports"] = items.map(RecordView.report)
            values["empty"] = items.isEmpty
        } else {
            let items = try store.noteQueue(after: nil, limit: 200, for: user).items
            values["notes"] = items.map(RecordView.annotation)
            values["empty"] = items.isEmpty
        }
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        return pages.render("items", values, context: context, status: status)
    }

    @Sendable func resolve(_ request: Request, context: EmendRequestContext) async throws -> Response {
        try await decideItem(request, context: context, reports: true, notice: "Resolved.") { id, form, user in
            _ = try store.resolveReport(
                id, resolution: form["resolution"] ?? "", version: form["version"].flatMap { Int64($0) }, note: form["note"], curator: user)
        }
    }

    /// A report becomes a proposal of one term's new value (the API takes any number of terms).
    @Sendable func propose(_ request: Request, context: EmendRequestContext) async throws -> Response {
        try await decideItem(request, context: context, reports: true, notice: "Turned into a proposal: it is in the queue.") { id, form, user in
            let term = form["term"]?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !term.isEmpty else { throw InvalidInput(field: "term", reason: "name the term to change") }
            _ = try store.turnReportIntoProposal(id, changes: [term: form["value"]], rationale: form["rationale"], curator: user)
        }
    }

    @Sendable func hide(_ request: Request, context: EmendRequestContext) async throws -> Response {
        try await decideItem(request, context: context, reports: false, notice: "Hidden.") { id, form, user in
            try store.hideAnnotation(id, reason: form["reason"] ?? "", curator: user)
        }
    }

    /// Runs a curator's decision on a report or a note from its form; when it is refused, the list says why.
    private func decideItem(
        _ request: Request, context: EmendRequestContext, reports: Bool, notice: String,
        _ decide: (_ id: String, _ form: Form, _ user: User) throws -> Void
    ) async throws -> Response {
        guard let user = try moderator(context) else { return .seeOther("/login") }
        var request = request
        let form = try await Form(request: &request, context: context)
        do {
            try decide(try context.parameters.require("id"), form, user)
        } catch let error as InvalidInput {
            return try itemsPage(reports: reports, user: user, error: error.description, status: .badRequest, context: context)
        } catch StoreError.conflict {
            return try itemsPage(reports: reports, user: user, error: "Somebody decided on this first.", status: .conflict, context: context)
        }
        let list = reports ? "reports" : "notes"
        return .seeOther("/moderation/\(list)?notice=\(notice.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
    }

    /// "3 days", "5 hours", "just now".
    static func age(seconds: Double) -> String {
        for (unit, size) in [("day", 86_400.0), ("hour", 3_600.0), ("minute", 60.0)] where seconds >= size {
            let count = Int(seconds / size)
            return "\(count) \(unit)\(count == 1 ? "" : "s")"
        }
        return "just now"
    }
}
