import EmendCore
import EmendInterchange
import EmendStore
import Foundation
import Hummingbird

/// Citing searches and datasets: a DOI-shaped identifier under a configurable prefix, pinned to a log position, a
/// landing page, formatted citations and DataCite XML. Nothing is sent to a registry: minting the DOI is posting
/// the same `datacite.xml` to a DataCite account (README).
struct Citations: Sendable {
    let store: Store
    let baseURL: String
    let doiPrefix: String

    /// Cites a search (its parameters as the API takes them) as of its `asOf`, else where the log ends now. The
    /// parameters are checked as a search's, then put in one order, so that the same search as of the same seq is
    /// always the same citation.
    func cite(_ parameters: [(String, String)], actor: User) async throws -> (citation: Citation, created: Bool) {
        for name in ["cursor", "limit", "facet", "format"] where parameters.contains(where: { $0.0 == name }) {
            throw RequestError.badParameter(name, reason: "a citation names a search, not a page of it; leave \(name) out")
        }
        var query = try SearchParameters.query(parameters.map { (key: Substring($0.0), value: Substring($0.1)) }, store: store)
        let position = try query.asOf ?? store.currentPosition()
        query.asOf = position
        query.limit = 1
        let total = try await store.search(query).total
        var canonical: [(String, String)] = []
        for (name, value) in parameters where name != "asOf" {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty { canonical.append((name, trimmed)) }
        }
        canonical.sort { a, b in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        return try store.cite(parameters: canonical, seq: position.seq, total: total, actor: actor.id)
    }

    func doi(_ citation: Citation) -> String { "\(doiPrefix)/emend.\(citation.id)" }
    func url(_ citation: Citation) -> String { "\(baseURL)/citations/\(citation.id)" }

    func json(_ citation: Citation) -> JSONValue {
        [
            "id": .string(citation.id), "doi": .string(doi(citation)), "url": .string(url(citation)), "seq": .int(citation.seq),
            "total": .int(Int64(citation.total)), "createdAt": .string(citation.createdAt.rfc3339),
            "parameters": .object(Dictionary(grouping: citation.parameters, by: \.name).mapValues { .array($0.map { .string($0.value) }) }),
        ]
    }

    /// The search, as a reader would say it.
    static func describe(_ parameters: [(name: String, value: String)]) -> String {
        parameters.isEmpty ? "all records" : parameters.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    func searchLink(_ citation: Citation, asOf: Bool) -> String {
        SearchParameters.searchPath(citation.parameters.map { ($0.name, $0.value) } + (asOf ? [("asOf", String(citation.seq))] : []))
    }

    func title(_ citation: Citation) -> String {
        "Specimen records matching \(Self.describe(citation.parameters)), as of seq \(citation.seq)"
    }

    /// The citation as text, BibTeX and RIS.
    func formatted(_ citation: Citation) -> (text: String, bibtex: String, ris: String) {
        let year = citation.createdAt.components.year, doi = doi(citation)
        let note = "\(citation.total) records as of seq \(citation.seq) (\(citation.createdAt.rfc3339))"
        let text = "Emend (\(year)). \(title(citation)). \(citation.total) records. https://doi.org/\(doi)"
        let bibtex = """
            @misc{emend_\(citation.id),
              author = {{Emend}},
              title = {\(title(citation))},
              year = {\(year)},
              publisher = {Emend},
              doi = {\(doi)},
              url = {\(url(citation))},
              note = {\(note)}
            }
            """
        let ris = [
            "TY  - DATA", "AU  - Emend", "TI  - \(title(citation))", "PY  - \(year)", "PB  - Emend", "DO  - \(doi)", "UR  - \(url(citation))",
            "N1  - \(note)", "ER  - ",
        ].joined(separator: "\n")
        return (text, bibtex, ris)
    }

    func dataCite(_ citation: Citation) throws -> DataCiteResource {
        var query = try SearchParameters.query(
            citation.parameters.map { (key: Substring($0.name), value: Substring($0.value)) }, store: store)
        query.asOf = try store.position(asOf: String(citation.seq))
        let datasets = Set(citation.parameters.filter { $0.name == "dataset" }.map(\.value))
        let sources = try store.datasets().filter { datasets.isEmpty || datasets.contains($0.id) }
        return DataCiteResource(
            doi: doi(citation), title: title(citation), publisher: "Emend", created: citation.createdAt,
            abstract: "\(citation.total) specimen records matching \(Self.describe(citation.parameters)), as the Emend log held them at seq "
                + "\(citation.seq). The same search as of the same seq gives the same records: \(baseURL)\(searchLink(citation, asOf: true))",
            version: "seq \(citation.seq)", sizes: ["\(citation.total) records"],
            formats: ExportFormat.allCases.map(\.contentType), url: url(citation),
            relatedIdentifiers: sources.map { .init(type: "URL", relation: "IsDerivedFrom", value: "\(baseURL)/datasets/\($0.id)") })
    }

    func dataCite(dataset: DatasetInfo) throws -> DataCiteResource {
        let imports = try store.datasetImports(id: dataset.id)
        let first = imports.first?.recordedAt ?? dataset.lastImportAt
        return DataCiteResource(
            doi: "\(doiPrefix)/emend.dataset.\(dataset.id)", title: dataset.title, publisher: "Emend", created: first,
            updated: imports.count > 1 ? dataset.lastImportAt : nil,
            abstract: "\(dataset.recordCount) specimen records imported from \(dataset.source), with the corrections curators accepted. "
                + "Each import is a version; the records as of each are the search of the dataset as of its seq.",
            version: String(dataset.importCount), sizes: ["\(dataset.recordCount) records"], formats: ExportFormat.allCases.map(\.contentType),
            url: "\(baseURL)/datasets/\(dataset.id)",
            relatedIdentifiers: imports.map {
                .init(type: "URL", relation: "HasVersion", value: baseURL + SearchParameters.searchPath([("dataset", dataset.id), ("asOf", String($0.seq))]))
            })
    }
}

/// `POST /api/citations` (the search's parameters, `{name: value or [values]}`) → `{"id", "doi", "url", …}`, and
/// `GET /api/citations/{id}`.
struct CitationsAPI {
    let citations: Citations

    func addRoutes(to api: RouterGroup<EmendRequestContext>) {
        api.post("citations", use: create)
        api.get("citations/:id", use: show)
    }

    @Sendable func create(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let user = try RecordsAPI.signedIn(context)
        let body = try await RecordsAPI.jsonObject(request, context: context)
        var parameters: [(String, String)] = []
        for (name, value) in body {
            let values = value.arrayValue ?? [value]
            for item in values {
                guard let text = item.stringValue ?? item.intValue.map(String.init) else {
                    throw RequestError.badParameter(name, reason: "a search parameter's value is a string, or a list of strings")
                }
                parameters.append((name, text))
            }
        }
        let (citation, created) = try await citations.cite(parameters, actor: user)
        var response = JSONResponse(citations.json(citation), status: created ? .created : .ok).response
        response.headers[.location] = citations.url(citation)
        return response
    }

    @Sendable func show(_ request: Request, context: EmendRequestContext) throws -> JSONResponse {
        JSONResponse(citations.json(try store.citation(id: try context.parameters.require("id"))))
    }

    private var store: Store { citations.store }
}
