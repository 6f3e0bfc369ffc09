import EmendCore
import EmendStore
import Hummingbird

/// The auditor console: the log to browse by type, actor and stream, the signed checkpoints and the last verify.
/// Everything on it is public already (`/api/log`, `/api/checkpoints/…`), so it needs no account.
struct AuditPages {
    let store: Store
    let pages: PageRenderer

    func addRoutes(to site: RouterGroup<EmendRequestContext>) {
        site.get("audit", use: audit)
    }

    @Sendable func audit(_ request: Request, context: EmendRequestContext) throws -> Response {
        let parameters = request.uri.queryParameters
        func text(_ name: String) -> String? { parameters[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        var filter = LogFilter()
        filter.type = text("type")
        filter.actor = text("actor")
        filter.stream = text("stream")
        if let before = text("before") {
            guard let seq = Int64(before), seq > 0 else { throw RequestError.badParameter("before", reason: "a seq, a whole number from 1") }
            filter.before = seq
        }
        let events = try store.events(filter)
        var next = parameters.filter { $0.key != "before" }.map { "\($0.key)=\(SitePages.escape(String($0.value)))" }
        next.append("before=\(events.last?.event.seq ?? 0)")
        var values: [String: Any] = [
            "types": RecordView.options(EventType.all, selected: filter.type).map { $0.merging(["label": $0["value"]!]) { $1 } },
            "actor": filter.actor ?? "", "stream": filter.stream ?? "", "lastSeq": try store.lastSeq(),
            "publicKey": store.publicKeyHex,
            "checkpoints": try store.checkpoints().map { checkpoint in
                [
                    "treeSize": checkpoint.treeSize, "rootHash": checkpoint.rootHash.hexString, "timestamp": checkpoint.timestamp.rfc3339,
                    "signature": checkpoint.signature.hexString,
                ] as [String: Any]
            },
            "events": events.map { stored in
                [
                    "seq": stored.event.seq, "recordedAt": stored.event.recordedAt.rfc3339, "type": stored.event.type,
                    "stream": stored.event.stream, "actor": stored.event.actor, "hash": stored.hash.hexString,
                    "recordID": stored.event.stream.hasPrefix("record/") ? String(stored.event.stream.dropFirst("record/".count)) : "",
                    "data": CanonicalJSON.string(stored.event.data),
                ] as [String: Any]
            },
            "hasNext": events.count == filter.limit && events.last.map { $0.event.seq > 1 } == true,
            "next": "/audit?" + next.joined(separator: "&"),
        ]
        if let run = try store.lastVerifyRun() {
            values["verify"] = [
                "ok": run.ok, "finishedAt": run.finishedAt.rfc3339, "events": run.events, "summary": run.summary,
            ] as [String: Any]
        }
        return pages.render("audit", values, context: context)
    }
}
