import Crypto
import Foundation
import Hummingbird

/// Cross-site request forgery protection for forms (double-submit): the browser holds a random token in an
/// HttpOnly, SameSite=Strict cookie and every form sends it back in `_csrf`; a POST whose two differ is refused.
/// It covers anonymous forms too, which a session-bound token could not.
struct CSRFMiddleware: RouterMiddleware {
    static let cookieName = "emend_csrf"
    static let fieldName = "_csrf"
    let secureCookies: Bool

    func handle(
        _ request: Request, context: EmendRequestContext, next: (Request, EmendRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let cookie = request.cookies[Self.cookieName]?.value
        if request.method == .post {
            var request = request
            let form = try await Form(request: &request, context: context)
            guard let cookie, let sent = form[Self.fieldName], Self.equal(cookie, sent) else {
                throw RequestError.forbidden("the form has expired or did not come from this site; reload the page and send it again")
            }
            context.csrfToken = cookie
            return try await next(request, context)
        }
        guard let cookie, cookie.count == 43 else {
            context.csrfToken = Self.newToken()
            var response = try await next(request, context)
            response.setCookie(
                Cookie(name: Self.cookieName, value: context.csrfToken, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
        context.csrfToken = cookie
        return try await next(request, context)
    }

    private static func newToken() -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Compares in time that depends only on the length, so the token cannot be guessed byte by byte.
    private static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// A url-encoded form body, read once and kept on the request for the handler.
struct Form {
    private var values: [String: String] = [:]

    init(request: inout Request, context: some RequestContext) async throws {
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let key = decode(parts[0])
            // The first value of a repeated name wins, as with a browser's own form handling of single fields.
            if values[key] == nil { values[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// The fields whose names start with `prefix`, by the rest of their name.
    func fields(prefixed prefix: String) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in values where key.hasPrefix(prefix) { result[String(key.dropFirst(prefix.count))] = value }
        return result
    }
}
