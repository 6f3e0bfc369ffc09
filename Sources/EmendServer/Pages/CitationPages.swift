import EmendCore
import EmendInterchange
import EmendStore
import Foundation
import Hummingbird

/// A citation's landing page and DataCite XML, the form that cites a search, and a dataset's DataCite XML.
struct CitationPages {
    let citations: Citations
    let pages: PageRenderer

    func addRoutes(to site: RouterGroup<EmendRequestContext>) {
        site.post("citations", use: cite)
        site.get("citations/:id", use: landing)
        site.get("citations/:id/datacite.xml", use: citationXML)
        site.get("datasets/:id/datacite.xml", use: datasetXML)
    }

    /// The search page's "Cite this search": the form sends the search as one query string, since a search may
    /// repeat a parameter.
    @Sendable func cite(_ request: Request, context: EmendRequestContext) async throws -> Response {
        var request = request
        let form = try await Form(request: &request, context: context)
        let search = form["search"] ?? ""
        guard let user = context.identity else { return .seeOther("/login?next=" + SitePages.escape("/search?" + search)) }
        let parameters = URLComponents(string: "?" + search)?.queryItems?.map { ($0.name, $0.value ?? "") } ?? []
        let (citation, _) = try await citations.cite(parameters, actor: user)
        return .seeOther("/citations/\(citation.id)")
    }

    @Sendable func landing(_ request: Request, context: EmendRequestContext) throws -> Response {
        let citation = try citations.store.citation(id: try context.parameters.require("id"))
        let formatted = citations.formatted(citation)
        let asked = citation.parameters.map { ($0.name, $0.value) }
        return pages.render(
            "citation",
            [
                "id": citation.id, "doi": citations.doi(citation), "title": citations.title(citation), "total": citation.total,
                "seq": citation.seq, "createdAt": citation.createdAt.rfc3339, "hasParameters": !citation.parameters.isEmpty,
                "parameters": citation.parameters.map { ["name": $0.name, "value": $0.value] },
                "then": citations.searchLink(citation, asOf: true), "now": citations.searchLink(citation, asOf: false),
                "downloads": SitePages.downloads.enumerated().map { index, download in
                    [
                        "label": download.label, "last": index == SitePages.downloads.count - 1,
                        "link": "/api/records/export?" + (asked + [("asOf", String(citation.seq)), ("format", download.format.rawValue)])
                            .map { "\(SitePages.escape($0.0))=\(SitePages.escape($0.1))" }.joined(separator: "&"),
                    ]
                },
                "text": formatted.text, "bibtex": formatted.bibtex, "ris": formatted.ris,
            ],
            context: context)
    }

    @Sendable func citationXML(_ request: Request, context: EmendRequestContext) throws -> Response {
        Self.xml(try citations.dataCite(try citations.store.citation(id: try context.parameters.require("id"))).xml)
    }

    @Sendable func datasetXML(_ request: Request, context: EmendRequestContext) throws -> Response {
        Self.xml(try citations.dataCite(dataset: try citations.store.dataset(id: try context.parameters.require("id"))).xml)
    }

    private static func xml(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
