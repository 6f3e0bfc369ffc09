import EmendCore
import EmendStore
import Hummingbird

/// The log, and the evidence that it is whole and only ever grows: its NDJSON export in pages, the signed
/// checkpoints of its Merkle tree, and inclusion and consistency proofs against them (RFC 6962), all checkable with
/// no trust in the server (`scripts/verify_log.py` does it).
struct LogAPI {
    let store: Store

    static let defaultLimit: Int64 = 1_000
    static let maxLimit: Int64 = 10_000

    func addRoutes(to api: RouterGroup<EmendRequestContext>) {
        api.get("log", use: log)
        api.get("log/:seq/proof", use: inclusionProof)
        api.get("checkpoints/latest", use: latestCheckpoint)
        api.get("checkpoints/key", use: key)
        api.get("checkpoints/consistency", use: consistencyProof)
    }

    /// Events after `after`, one per line, as `emend log export` writes them.
    @Sendable func log(_ request: Request, context: EmendRequestContext) throws -> Response {
        try RecordsAPI.onlyParameters(["after", "limit"], request)
        let after = try Self.number("after", request, from: 0) ?? 0
        let limit = try Self.number("limit", request, from: 1, to: Self.maxLimit) ?? Self.defaultLimit
        var body = ByteBuffer()
        try store.forEachEvent(after: after, limit: limit) { event in
            body.writeString(NDJSONLog.line(event))
            body.writeString("\n")
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init(byteBuffer: body))
    }

    @Sendable func inclusionProof(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        try RecordsAPI.onlyParameters(["treeSize"], request)
        let text = try context.parameters.require("seq")
        guard let seq = Int64(text), seq > 0 else {
            throw RequestError.badParameter("seq", reason: "a whole number from 1; got \"\(text)\"")
        }
        guard let treeSize = try Self.number("treeSize", request, from: 1) else {
            throw RequestError.badParameter("treeSize", reason: "required: the size of the tree to prove the event in, e.g. a checkpoint's")
        }
        let proof = try store.inclusionProof(seq: seq, treeSize: treeSize)
        return JSONResponse([
            "leafIndex": .int(proof.leafIndex), "treeSize": .int(proof.treeSize),
            "auditPath": .array(proof.auditPath.map { .string($0.hexString) }),
        ])
    }

    @Sendable func latestCheckpoint(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        try RecordsAPI.onlyParameters([], request)
        guard let checkpoint = try store.latestCheckpoint() else { throw StoreError.notFound("checkpoint") }
        return JSONResponse(checkpoint.json)
    }

    @Sendable func key(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        try RecordsAPI.onlyParameters([], request)
        return JSONResponse(["publicKey": .string(store.publicKeyHex)])
    }

    @Sendable func consistencyProof(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        try RecordsAPI.onlyParameters(["from", "to"], request)
        var sizes: [Int64] = []
        for name in ["from", "to"] {
            guard let size = try Self.number(name, request, from: 1) else {
                throw RequestError.badParameter(name, reason: "required: a tree size, e.g. a checkpoint's treeSize")
            }
            sizes.append(size)
        }
        return JSONResponse(["proof": .array(try store.consistencyProof(from: sizes[0], to: sizes[1]).map { .string($0.hexString) })])
    }

    /// The query parameter `name` as a whole number in `minimum...maximum`; nil when it is not given.
    private static func number(_ name: String, _ request: Request, from minimum: Int64, to maximum: Int64 = .max) throws -> Int64? {
        guard let text = request.uri.queryParameters[name[...]].map(String.init) else { return nil }
        guard let number = Int64(text), (minimum...maximum).contains(number) else {
            let range = maximum == .max ? "from \(minimum)" : "from \(minimum) to \(maximum)"
            throw RequestError.badParameter(name, reason: "a whole number \(range); got \"\(text)\"")
        }
        return number
    }
}
