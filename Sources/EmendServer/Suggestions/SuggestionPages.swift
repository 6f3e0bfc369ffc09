import EmendCore
import EmendStore
import Foundation
import Hummingbird

/// The console's side of machine suggestions: accepting all the open suggestions of one quality rule, after a page
/// that says how many, shows some, and asks to confirm.
struct SuggestionPages {
    let store: Store
    let pages: PageRenderer

    func addRoutes(to site: RouterGroup<EmendRequestContext>) {
        site.get("moderation/bulk-accept", use: confirm)
        site.post("moderation/bulk-accept", use: accept)
    }

    /// Open machine suggestions by rule in the user's scope, each with the link to its confirmation page.
    static func ruleCounts(store: Store, user: User, institutionCode: String?, collectionCode: String?) throws -> [[String: Any]] {
        try store.suggestionCounts(for: user, institutionCode: institutionCode, collectionCode: collectionCode).map { count in
            let filter = [("rule", count.rule), ("institutionCode", institutionCode ?? ""), ("collectionCode", collectionCode ?? "")]
                .filter { !$0.1.isEmpty }.map { "\($0.0)=\(SitePages.escape($0.1))" }.joined(separator: "&")
            return [
                "rule": count.rule, "count": count.open, "confirm": "/moderation/bulk-accept?\(filter)",
                "queue": "/moderation?\(filter)",
            ]
        }
    }

    /// The notice after a bulk acceptance, from the counts the redirect carries.
    static func bulkNotice(_ parameters: Parameters) -> String {
        func count(_ name: String) -> Int { parameters[Substring(name)].flatMap { Int($0) } ?? 0 }
        var notice = "Accepted \(count("accepted")) machine suggestions of \(parameters["rule"].map(String.init) ?? "the rule")."
        if count("stale") > 0 { notice += " \(count("stale")) were stale (the record changed) and stay open for you to look at." }
        if count("remaining") > 0 { notice += " \(count("remaining")) more are open: accept again to go on." }
        return notice
    }

    private func curator(_ context: EmendRequestContext) throws -> User? {
        guard let user = context.identity else { return nil }
        guard user.role == .curator || user.role == .admin else {
            throw StoreError.forbidden("accepting machine suggestions in bulk is for curators and admins")
        }
        return user
    }

    /// What accepting would do: the rule and what it presumes, how many open suggestions of it are in the scope,
    /// the first of them, and the form that confirms.
    @Sendable func confirm(_ request: Request, context: EmendRequestContext) throws -> Response {
        guard let user = try curator(context) else { return .seeOther("/login?next=/moderation") }
        let parameters = request.uri.queryParameters
        func nonEmpty(_ name: String) -> String? { parameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        guard let rule = nonEmpty("rule").flatMap(QualityCode.init(rawValue:)) else {
            throw RequestError.badParameter("rule", reason: "a quality rule, such as PRESUMED_SWAPPED_COORDINATE")
        }
        let institutionCode = nonEmpty("institutionCode"), collectionCode = nonEmpty("collectionCode")
        var query = QueueQuery()
        query.rule = rule.rawValue
        query.institutionCode = institutionCode
        query.collectionCode = collectionCode
        query.limit = 10
        let sample = try store.moderationQueue(query, for: user).items
        let open = try store.suggestionCounts(for: user, institutionCode: institutionCode, collectionCode: collectionCode)
            .first { $0.rule == rule.rawValue }?.open ?? 0
        let where_ = [institutionCode, collectionCode].compactMap { $0 }.joined(separator: ":")
        return pages.render("bulk-accept", [
            "rule": rule.rawValue, "explanation": QualitySuggestions.explanation(rule), "open": open,
            "scope": where_.isEmpty ? (user.role == .curator ? "your scope (\(user.scopes.joined(separator: ", ")))" : "all collections") : where_,
            "institutionCode": institutionCode ?? "", "collectionCode": collectionCode ?? "",
            "limit": min(max(open, 1), 1_000), "maxLimit": Store.bulkAcceptLimit, "hasAny": open > 0,
            "sample": sample.map { item in
                [
                    "id": item.proposal.id, "name": item.scientificName ?? item.proposal.recordID,
                    "catalog": [item.institutionCode, item.collectionCode, item.catalogNumber].compactMap { $0 }.joined(separator: " "),
                    "changes": RecordView.changes(item.proposal.changes), "isStale": !item.stale.isEmpty,
                ] as [String: Any]
            },
        ], context: context)
    }

    @Sendable func accept(_ request: Request, context: EmendRequestContext) async throws -> Response {
        guard let user = try curator(context) else { return .seeOther("/login?next=/moderation") }
        var request = request
        let form = try await Form(request: &request, context: context)
        func nonEmpty(_ name: String) -> String? { form[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard form["confirm"] == "yes" else {
            throw RequestError.badParameter("confirm", reason: "tick the box that confirms accepting these suggestions")
        }
        let rule = nonEmpty("rule") ?? ""
        let limit = nonEmpty("limit").flatMap { Int($0) } ?? 1_000
        let result = try store.acceptSuggestions(
            rule: rule, institutionCode: nonEmpty("institutionCode"), collectionCode: nonEmpty("collectionCode"), limit: limit,
            note: nonEmpty("note"), curator: user)
        let back = [
            ("rule", rule), ("institutionCode", nonEmpty("institutionCode") ?? ""), ("collectionCode", nonEmpty("collectionCode") ?? ""),
            ("notice", "bulk"), ("accepted", String(result.accepted)), ("stale", String(result.stale)), ("remaining", String(result.remaining)),
        ].filter { !$0.1.isEmpty }.map { "\($0.0)=\(SitePages.escape($0.1))" }.joined(separator: "&")
        return .seeOther("/moderation?\(back)")
    }
}
