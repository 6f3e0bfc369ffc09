import EmendCore
import EmendStore
import Hummingbird

/// Registration, logging in and out, and a contributor's own contributions.
struct AccountPages {
    let store: Store
    let pages: PageRenderer
    let contributors: Contributors

    func addRoutes(to site: RouterGroup<EmendRequestContext>) {
        site.get("register", use: registerForm)
        site.post("register", use: register)
        site.get("login", use: loginForm)
        site.post("login", use: logIn)
        site.post("logout", use: logOut)
        site.get("me", use: me)
        site.post("me/tokens", use: newToken)
        site.post("me/proposals/:id/answer", use: answer)
    }

    @Sendable func registerForm(_ request: Request, context: EmendRequestContext) -> Response {
        pages.render("register", [:], context: context)
    }

    @Sendable func register(_ request: Request, context: EmendRequestContext) async throws -> Response {
        var request = request
        let form = try await Form(request: &request, context: context)
        if let trap = form["website"], !trap.isEmpty { return .seeOther("/") }
        let user: User
        do {
            user = try await contributors.register(name: form["name"] ?? "", password: form["password"] ?? "")
        } catch let error as InvalidInput {
            return pages.render("register", ["error": error.description, "name": form["name"] ?? ""], context: context, status: .badRequest)
        } catch RequestError.badParameter(let field, let reason) {
            return pages.render("register", ["error": "\(field): \(reason)", "name": form["name"] ?? ""], context: context, status: .badRequest)
        }
        context.sessions.createSession(WebSession(userID: user.id))
        return .seeOther("/me")
    }

    @Sendable func loginForm(_ request: Request, context: EmendRequestContext) -> Response {
        pages.render("login", ["next": Self.safeNext(request.uri.queryParameters["next"].map(String.init))], context: context)
    }

    @Sendable func logIn(_ request: Request, context: EmendRequestContext) async throws -> Response {
        var request = request
        let form = try await Form(request: &request, context: context)
        guard let user = try await contributors.logIn(name: form["name"] ?? "", password: form["password"] ?? "") else {
            // The same words whether the name is unknown or the password wrong.
            return pages.render(
                "login", ["error": "Wrong user name or password.", "name": form["name"] ?? "", "next": Self.safeNext(form["next"])],
                context: context, status: .unauthorized)
        }
        context.sessions.createSession(WebSession(userID: user.id))
        return .seeOther(Self.safeNext(form["next"]))
    }

    @Sendable func logOut(_ request: Request, context: EmendRequestContext) -> Response {
        context.sessions.clearSession()
        return .seeOther("/")
    }

    @Sendable func me(_ request: Request, context: EmendRequestContext) throws -> Response {
        guard let user = context.identity else { return .seeOther("/login?next=/me") }
        return try mePage(user, context: context)
    }

    /// A token for the API, for the contributor's own scripts; shown on this one page and never again.
    @Sendable func newToken(_ request: Request, context: EmendRequestContext) throws -> Response {
        guard let user = context.identity else { return .seeOther("/login?next=/me") }
        return try mePage(user, newToken: try store.newToken(for: user.id), context: context)
    }

    @Sendable func answer(_ request: Request, context: EmendRequestContext) async throws -> Response {
        guard let user = context.identity else { return .seeOther("/login?next=/me") }
        var request = request
        let form = try await Form(request: &request, context: context)
        _ = try store.answerAboutProposal(try context.parameters.require("id"), answer: form["answer"] ?? "", changes: nil, contributor: user)
        return .seeOther("/me")
    }

    private func mePage(_ user: User, newToken: String? = nil, context: EmendRequestContext) throws -> Response {
        let contributions = try store.contributions(byActor: user.id)
        var values: [String: Any] = [
            "proposals": contributions.proposals.map(RecordView.proposal),
            "annotations": contributions.annotations.map(RecordView.annotation),
            "reports": contributions.reports.map(RecordView.report),
        ]
        if let newToken { values["newToken"] = newToken }
        return pages.render("me", values, context: context)
    }

    /// Only a path on this site, so that a crafted link cannot send someone elsewhere after logging in.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/" }
        return next
    }
}
