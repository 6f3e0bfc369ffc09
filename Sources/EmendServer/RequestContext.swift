import EmendStore
import Hummingbird
import HummingbirdAuth
import NIOCore

/// What a request carries through the middleware: who is asking, their browser session, where from.
public struct EmendRequestContext: AuthRequestContext, SessionRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: User?
    public let sessions: SessionContext<WebSession>
    public let remoteAddress: SocketAddress?
    /// The CSRF token that forms on this page must send back (the browser holds it in a cookie).
    public var csrfToken = ""

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        sessions = .init()
        remoteAddress = source.channel.remoteAddress
    }

    /// Contributions are small; nothing the site accepts comes near this.
    public var maxUploadSize: Int { 64 * 1024 }
}

/// A signed-in browser: the session cookie names a row of the sessions table holding this.
public struct WebSession: Codable, Sendable {
    public var userID: String
}
