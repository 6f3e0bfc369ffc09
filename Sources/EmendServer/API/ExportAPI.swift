import EmendInterchange
import EmendStore
import HTTPTypes
import Hummingbird

/// `GET /api/records/export?format=…` with the search's parameters: the download streams as it is written, gzipped
/// when the client accepts it (a ZIP is deflated already).
struct ExportAPI {
    let store: Store
    let baseURL: String

    func addRoutes(to api: RouterGroup<EmendRequestContext>) {
        api.get("records/export", use: export)
    }

    @Sendable func export(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let formats = ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = parameters["format"].map(String.init) else {
            throw RequestError.badParameter("format", reason: "missing; one of \(formats)")
        }
        guard let format = ExportFormat(rawValue: name) else {
            throw RequestError.badParameter("format", reason: "one of \(formats); got \"\(name)\"")
        }
        let download = try Download(
            format: format, parameters: parameters.filter { $0.key != "format" }.map { (String($0.key), String($0.value)) }, store: store,
            baseURL: baseURL)
        let gzip = format.compressible && Self.acceptsGzip(request)
        var headers: HTTPFields = [
            .contentType: format.contentType,
            .contentDisposition: "attachment; filename=\"emend-records-\(download.seq).\(format.fileExtension)\"",
            .emendAsOf: String(download.seq),
            .vary: "Accept-Encoding",
        ]
        if gzip { headers[.contentEncoding] = "gzip" }
        let store = store
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await download.write(store: store, gzip: gzip) { try await writer.write($0) }
                try await writer.finish(nil)
            })
    }

    /// Whether the client takes gzip (RFC 9110 §12.5.3) without refusing it by `q=0`.
    static func acceptsGzip(_ request: Request) -> Bool {
        guard let header = request.headers[.acceptEncoding] else { return false }
        return header.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (parts.first == "gzip" || parts.first == "x-gzip") && weight > 0
        }
    }
}

extension HTTPField.Name {
    /// The seq a download's records are read as of.
    public static let emendAsOf = Self("Emend-As-Of")!
}
