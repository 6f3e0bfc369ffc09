import EmendCore
import EmendStore
import Hummingbird

/// Atom feeds of curators' decisions, so that contributors and collections can follow them in a feed reader.
struct Feeds {
    let store: Store
    let pages: PageRenderer
    let baseURL: String

    func addRoutes(to router: Router<EmendRequestContext>) {
        router.get("feeds/contributors/:name", use: contributor)
        router.get("feeds/collections/:scope", use: collection)
    }

    /// `/feeds/contributors/NAME.atom`: the decisions on one contributor's proposals.
    @Sendable func contributor(_ request: Request, context: EmendRequestContext) throws -> Response {
        let name = try Self.feedName(context.parameters.require("name"))
        guard let user = try store.user(named: name) else { throw StoreError.notFound("contributor \(name)") }
        return feed(title: "Decisions on \(name)'s suggestions", path: "/feeds/contributors/\(name).atom",
                    decisions: try store.decisions(contributor: user.id))
    }

    /// `/feeds/collections/INSTITUTION[:COLLECTION].atom`: the decisions on records of one collection.
    @Sendable func collection(_ request: Request, context: EmendRequestContext) throws -> Response {
        let scope = try Self.feedName(context.parameters.require("scope"))
        let parts = scope.split(separator: ":", maxSplits: 1).map(String.init)
        return feed(title: "Decisions on \(scope) records", path: "/feeds/collections/\(scope).atom",
                    decisions: try store.decisions(institutionCode: parts[0], collectionCode: parts.count > 1 ? parts[1] : nil))
    }

    private static func feedName(_ file: String) throws -> String {
        guard file.hasSuffix(".atom"), file.count > 5 else { throw StoreError.notFound("feed \(file)") }
        return String(file.dropLast(5))
    }

    private func feed(title: String, path: String, decisions: [Proposal]) -> Response {
        let entries: [[String: Any]] = decisions.map { proposal in
            let terms = proposal.changes.map(\.term).joined(separator: ", ")
            let outcome = proposal.acceptedVersion.map { "accepted into version \($0)" } ?? proposal.status
            return [
                "id": proposal.id, "title": "\(terms) on \(proposal.recordID): \(outcome)",
                "link": "\(baseURL)/records/\(proposal.recordID)", "updated": (proposal.decidedAt ?? proposal.submittedAt).rfc3339,
                "summary": RecordView.changes(proposal.changes).map { "\($0["term"]!): \($0["from"]!) → \($0["to"]!)" }
                    .joined(separator: "; ") + (proposal.reason.map { ". The curator wrote: \($0)" } ?? ""),
            ]
        }
        let values: [String: Any] = [
            "title": title, "id": "\(baseURL)\(path)", "selfLink": "\(baseURL)\(path)",
            "updated": decisions.first?.decidedAt?.rfc3339 ?? Timestamp(milliseconds: 0).rfc3339, "entries": entries,
        ]
        return pages.atom(values)
    }
}
