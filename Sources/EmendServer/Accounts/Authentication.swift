import EmendStore
import Hummingbird
import HummingbirdAuth

/// API clients identify with `Authorization: Bearer TOKEN`. A token that is sent but unknown is an error,
/// never a silent fall-back to anonymous.
struct BearerTokenMiddleware: RouterMiddleware {
    let store: Store

    func handle(
        _ request: Request, context: EmendRequestContext, next: (Request, EmendRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.lowercased().hasPrefix("bearer "), let user = try store.user(forToken: String(header.dropFirst(7))) else {
            throw RequestError.unauthorized("the Authorization header does not hold a valid Bearer token")
        }
        var context = context
        context.identity = user
        return try await next(request, context)
    }
}

/// Browsers identify with the session cookie; pages never read the Authorization header.
struct SessionUserMiddleware: RouterMiddleware {
    let store: Store

    func handle(
        _ request: Request, context: EmendRequestContext, next: (Request, EmendRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let session = context.sessions.session {
            context.identity = try store.user(id: session.userID)
            if context.identity == nil { context.sessions.clearSession() }
        }
        return try await next(request, context)
    }
}
