import EmendCore
import EmendStore
import Hummingbird

/// The change feed for publishers: what curators changed, as JSON, CSV or Atom, so that a museum can apply it to its
/// own collection database and ask again from where it stopped.
struct ChangesAPI {
    let store: Store
    let pages: PageRenderer
    let baseURL: String

    func addRoutes(to api: RouterGroup<EmendRequestContext>) {
        api.get("changes", use: changes)
    }

    static let csvColumns = [
        "seq", "recordedAt", "record", "version", "institutionCode", "collectionCode", "catalogNumber", "occurrenceID", "term",
        "old", "new", "cause", "contributor", "curator",
    ]

    @Sendable func changes(_ request: Request, context: EmendRequestContext) throws -> Response {
        try RecordsAPI.onlyParameters(["since", "institutionCode", "collectionCode", "limit", "format"], request)
        let parameters = request.uri.queryParameters
        let since: Int64 = try parameters["since"].map { text in
            guard let seq = Int64(text), seq >= 0 else { throw RequestError.badParameter("since", reason: "a seq, a whole number from 0; got \"\(text)\"") }
            return seq
        } ?? 0
        let limit: Int = try parameters["limit"].map { text in
            guard let limit = Int(text), (1...1000).contains(limit) else {
                throw RequestError.badParameter("limit", reason: "a whole number of events from 1 to 1000; got \"\(text)\"")
            }
            return limit
        } ?? 100
        let format = parameters["format"].map(String.init) ?? "json"
        guard ["json", "csv", "atom"].contains(format) else {
            throw RequestError.badParameter("format", reason: "json, csv or atom; got \"\(format)\"")
        }
        let (changes, next) = try store.acceptedChanges(
            since: since, institutionCode: parameters["institutionCode"].map(String.init),
            collectionCode: parameters["collectionCode"].map(String.init), limit: limit)
        switch format {
        case "csv": return csv(changes)
        case "atom": return atom(changes, request: request)
        default:
            return JSONResponse(["changes": .array(changes.map(Self.json)), "next": JSONValue(next.map(String.init))]).response
        }
    }

    private static func json(_ change: AcceptedChange) -> JSONValue {
        let fields: [String: JSONValue] = [
            "seq": .int(change.seq), "recordedAt": .string(change.recordedAt.rfc3339), "record": .string(change.recordID),
            "version": .int(change.version), "institutionCode": JSONValue(change.institutionCode),
            "collectionCode": JSONValue(change.collectionCode), "catalogNumber": JSONValue(change.catalogNumber),
            "occurrenceID": JSONValue(change.occurrenceID), "term": .string(change.term), "old": JSONValue(change.from),
            "new": JSONValue(change.to), "cause": .string(change.cause), "contributor": JSONValue(change.contributor),
            "curator": JSONValue(change.curator),
        ]
        return .object(fields)
    }

    /// RFC 4180. Every event's rows are all in, so the last row's seq is the `since` to ask next.
    private func csv(_ changes: [AcceptedChange]) -> Response {
        func field(_ value: String?) -> String {
            guard let value else { return "" }
            return value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
        }
        var lines = [Self.csvColumns.joined(separator: ",")]
        for change in changes {
            lines.append(
                [
                    String(change.seq), change.recordedAt.rfc3339, change.recordID, String(change.version), change.institutionCode,
                    change.collectionCode, change.catalogNumber, change.occurrenceID, change.term, change.from, change.to, change.cause,
                    change.contributor, change.curator,
                ].map(field).joined(separator: ","))
        }
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\r\n") + "\r\n")))
    }

    /// One entry an event, listing the terms it changed.
    private func atom(_ changes: [AcceptedChange], request: Request) -> Response {
        let events = Dictionary(grouping: changes, by: \.seq).sorted { $0.key > $1.key }
        let entries: [[String: Any]] = events.map { _, terms in
            let first = terms[0]
            let who = first.cause == "revert" ? "restored by \(first.curator ?? "a curator")"
                : "suggested by \(first.contributor ?? "a contributor"), accepted by \(first.curator ?? "a curator")"
            return [
                "id": first.eventID, "title": "\(first.catalogNumber ?? first.recordID): version \(first.version), \(who)",
                "link": "\(baseURL)/records/\(first.recordID)/history", "updated": first.recordedAt.rfc3339,
                "summary": terms.map { "\($0.term): \($0.from ?? "—") → \($0.to ?? "(removed)")" }.joined(separator: "; "),
            ]
        }
        let path = "/api/changes?" + (request.uri.query ?? "")
        let values: [String: Any] = [
            "title": "Changes curators made", "id": baseURL + path, "selfLink": baseURL + path,
            "updated": events.first?.value[0].recordedAt.rfc3339 ?? Timestamp(milliseconds: 0).rfc3339, "entries": entries,
        ]
        return pages.atom(values)
    }
}
