import EmendModeration
import EmendStore
import EmendWeb
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import Mustache
import ServiceLifecycle

public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Where the public reaches the site; used in links that leave it (W3C annotation ids).
    public var publicURL: String
    /// Marks cookies Secure: set when the site is served over HTTPS (directly or behind a TLS proxy).
    public var secureCookies: Bool
    /// bcrypt's work factor: 12 in production; tests lower it to keep fast.
    public var bcryptCost: UInt8
    /// The DOI prefix citations are given identifiers under: DataCite's test prefix until the site has its own.
    public var doiPrefix: String
    /// Anonymous reports allowed per client address in `reportWindow` seconds.
    public var reportLimit: Int
    public var reportWindow: Double
    /// Runs the quality bot in the background (machine suggestions); benchmarks turn it off, so that it neither
    /// writes into their database nor takes their CPU.
    public var qualityBot = true

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, secureCookies: Bool = false,
        bcryptCost: UInt8 = 12, reportLimit: Int = 5, reportWindow: Double = 600, doiPrefix: String = "10.5072"
    ) {
        self.doiPrefix = doiPrefix
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.secureCookies = secureCookies
        self.bcryptCost = bcryptCost
        self.reportLimit = reportLimit
        self.reportWindow = reportWindow
    }
}

/// The application over a store: what `emend serve` runs and what tests drive in-process.
public func buildApplication(store: Store, configuration: ServerConfiguration, logger: Logger = Logger(label: "emend")) async throws
    -> some ApplicationProtocol
{
    Application(
        router: try await buildRouter(store: store, configuration: configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "emend"),
        services: [WALCheckpointService(store: store, logger: logger) as any Service]
            + (configuration.qualityBot ? [QualityBotService(store: store, logger: logger)] : []),
        logger: logger)
}

public func buildRouter(store: Store, configuration: ServerConfiguration) async throws -> Router<EmendRequestContext> {
    var templates = try await MustacheLibrary(directory: WebResources.templates.path)
    for file in try FileManager.default.contentsOfDirectory(atPath: ModerationResources.templates.path) where file.hasSuffix(".mustache") {
        let text = try String(contentsOf: ModerationResources.templates.appendingPathComponent(file), encoding: .utf8)
        try templates.register(text, named: String(file.dropLast(".mustache".count)))
    }
    let pages = PageRenderer(library: templates)
    let contributors = Contributors(
        store: store, baseURL: configuration.publicURL, bcryptCost: configuration.bcryptCost,
        reportLimiter: RateLimiter(limit: configuration.reportLimit, window: configuration.reportWindow))
    let router = Router(context: EmendRequestContext.self)
    router.add(middleware: ErrorMiddleware(pages: pages))
    router.get("/health") { _, _ in
        JSONResponse(["status": "ok", "lastSeq": .int(try store.lastSeq())])
    }
    router.get("/static/:file", use: StaticFiles().serve)

    let api = router.group("api").add(middleware: BearerTokenMiddleware(store: store))
    RecordsAPI(store: store, contributors: contributors).addRoutes(to: api)
    ModerationAPI(store: store, baseURL: configuration.publicURL).addRoutes(to: api)
    let citations = Citations(store: store, baseURL: configuration.publicURL, doiPrefix: configuration.doiPrefix)
    ExportAPI(store: store, baseURL: configuration.publicURL).addRoutes(to: api)
    CitationsAPI(citations: citations).addRoutes(to: api)
    ChangesAPI(store: store, pages: pages, baseURL: configuration.publicURL).addRoutes(to: api)
    LogAPI(store: store).addRoutes(to: api)
    StatisticsAPI(store: store).addRoutes(to: api)
    api.get("openapi.json") { _, _ in OpenAPIDocument.response }
    AnnotationContainerAPI(store: store, baseURL: configuration.publicURL).addRoutes(to: router)
    CKANAPI(store: store, baseURL: configuration.publicURL).addRoutes(to: router)

    let site = router.group()
        .add(
            middleware: SessionMiddleware<EmendRequestContext>(
                storage: StoreSessionDriver(store: store),
                configuration: .init(
                    sessionCookieParameters: .init(name: "emend_session", secure: configuration.secureCookies, sameSite: .lax),
                    defaultSessionExpiration: .seconds(60 * 60 * 24 * 14))))
        .add(middleware: SessionUserMiddleware(store: store))
        .add(middleware: CSRFMiddleware(secureCookies: configuration.secureCookies))
    SitePages(store: store, pages: pages, contributors: contributors).addRoutes(to: site)
    AccountPages(store: store, pages: pages, contributors: contributors).addRoutes(to: site)
    ModerationPages(store: store, pages: pages).addRoutes(to: site)
    SuggestionPages(store: store, pages: pages).addRoutes(to: site)
    AuditPages(store: store, pages: pages).addRoutes(to: site)
    CitationPages(citations: citations, pages: pages).addRoutes(to: site)
    StatisticsPages(store: store, pages: pages).addRoutes(to: site)
    Feeds(store: store, pages: pages, baseURL: configuration.publicURL).addRoutes(to: router)
    return router
}

/// The site's stylesheet and other static files, read once at start-up.
struct StaticFiles: Sendable {
    private let files: [String: (type: String, bytes: [UInt8])]

    init() {
        var files: [String: (String, [UInt8])] = [:]
        let folder = WebResources.static
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
            let type = name.hasSuffix(".css") ? "text/css; charset=utf-8" : name.hasSuffix(".js") ? "text/javascript" : "application/octet-stream"
            files[name] = (type, Array(data))
        }
        self.files = files
    }

    @Sendable func serve(_ request: Request, context: EmendRequestContext) throws -> Response {
        guard let file = files[try context.parameters.require("file")] else { throw HTTPError(.notFound, message: "no such file") }
        return Response(
            status: .ok, headers: [.contentType: file.type, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
