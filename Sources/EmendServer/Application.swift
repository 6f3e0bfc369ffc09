import EmendStore
import EmendWeb
import Foundation
import Hummingbird
import Logging
import Mustache

public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// The application over a store: what `emend serve` runs and what tests drive in-process.
public func buildApplication(store: Store, configuration: ServerConfiguration, logger: Logger = Logger(label: "emend")) async throws
    -> some ApplicationProtocol
{
    let router = try await buildRouter(store: store)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "emend"),
        logger: logger)
}

public func buildRouter(store: Store) async throws -> Router<BasicRequestContext> {
    let templates = try await MustacheLibrary(directory: WebResources.templates.path)
    let router = Router()
    router.get("/health") { _, _ in
        let seq = try store.lastSeq()
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok","lastSeq":\#(seq)}"#)))
    }
    router.get("/") { _, _ in
        let counts = try store.counts()
        let html = templates.render(
            ["records": counts.records, "datasets": counts.datasets, "events": counts.events], withTemplate: "home") ?? ""
        return HTML(html)
    }
    return router
}

struct HTML: ResponseGenerator {
    let text: String
    init(_ text: String) { self.text = text }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
