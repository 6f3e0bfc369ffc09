import EmendStore
import Foundation
import Hummingbird
import Mustache

/// Renders the site's Mustache templates; every value is HTML-escaped unless a template says otherwise: only the
/// SVG maps and charts (`{{{svg}}}`, `{{{locator}}}`), which `SVG` writes with every piece of data escaped.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// An Atom feed (the `feed` template): `title`, `id`, `selfLink`, `updated`, and `entries` of `id` (a UUID),
    /// `title`, `link`, `updated` and `summary`.
    func atom(_ values: [String: Any]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/atom+xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: library.render(values, withTemplate: "feed") ?? "")))
    }

    /// Renders `template` with what every page needs: the signed-in user and the CSRF token for its forms.
    func render(_ template: String, _ values: [String: Any], context: EmendRequestContext, status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        values["csrf"] = context.csrfToken
        if let user = context.identity {
            values["user"] = ["name": user.name, "role": user.role.rawValue, "moderator": user.mayReadQueue] as [String: Any]
        }
        return HTML(library.render(values, withTemplate: template) ?? "", status: status).response
    }

    /// An error page: no user or form on it, as the request that failed may not have got that far.
    func errorPage(_ error: ErrorDescription) -> Response {
        let status = "\(error.status.code) \(error.status.reasonPhrase)"
        return HTML(library.render(["status": status, "message": error.message], withTemplate: "error") ?? status, status: error.status).response
    }
}
