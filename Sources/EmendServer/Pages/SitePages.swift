import EmendCore
import EmendInterchange
import EmendStore
import Foundation
import Hummingbird

/// The public site: home, search, records and datasets, and the contribution forms on them.
struct SitePages {
    let store: Store
    let pages: PageRenderer
    let contributors: Contributors

    func addRoutes(to site: RouterGroup<EmendRequestContext>) {
        site.get("/", use: home)
        site.get("search", use: search)
        site.get("records/:id", use: record)
        site.get("records/:id/history", use: history)
        site.get("records/:id/diff", use: diff)
        site.get("records/:id/suggest", use: suggest)
        site.post("records/:id/proposals", use: propose)
        site.post("records/:id/annotations", use: annotate)
        site.post("records/:id/reports", use: report)
        site.get("datasets/:id", use: dataset)
    }

    @Sendable func home(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let counts = try store.counts()
        let revisions = try store.recentRevisions()
        let map = MapSearch(query: RecordQuery(), parameters: [])
        return pages.render(
            "home",
            [
                "map": MapSearch.view(try await store.mapGrid(map.query), subject: "all records", link: map.searchLink),
                "records": counts.records, "datasets": counts.datasets, "events": counts.events,
                "datasetList": try store.datasets().map { ["id": $0.id, "title": $0.title, "recordCount": $0.recordCount] },
                "hasRevisions": !revisions.isEmpty,
                "revisions": revisions.map { revision in
                    [
                        "recordID": revision.recordID, "version": revision.version, "cause": RecordView.cause(revision.cause),
                        "recordedAt": revision.recordedAt.rfc3339, "terms": revision.changes.map(\.term).joined(separator: ", "),
                    ]
                },
            ],
            context: context)
    }

    @Sendable func search(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }.filter { !$0.1.isEmpty }
        var query: RecordQuery
        do {
            query = try SearchParameters.query(request.uri.queryParameters, store: store)
        } catch {
            return pages.render(
                "search", ["error": ErrorDescription(error).message, "total": 0, "records": [Any]()], context: context, status: .badRequest)
        }
        query.facets = [.country, .family, .institutionCode, .year, .flag]
        let result: SearchResult
        do { result = try await store.search(query) } catch let error as InvalidInput {
            return pages.render("search", ["error": error.description, "total": 0, "records": [Any]()], context: context, status: .badRequest)
        }
        func link(_ pairs: [(String, String)]) -> String { SearchParameters.searchPath(pairs) }
        // Links keep a search in the past at the seq it resolved to: a time could resolve further on later, and the
        // cursors would no longer fit.
        let now = parameters.filter { $0.0 != "cursor" && $0.0 != "asOf" }
        let kept = now + (query.asOf.map { [("asOf", String($0.seq))] } ?? [])
        let filters = kept.filter { SearchTerm(rawValue: $0.0) != nil && $0.0 != "year" }
        var values: [String: Any] = [
            "q": query.text ?? "", "year": parameters.first { $0.0 == "year" }?.1 ?? "",
            "hasCoordinates": query.hasCoordinates == true,
            "filters": filters.map { ["name": $0.0, "value": $0.1] },
            "hasActiveFilters": !filters.isEmpty,
            "activeFilters": filters.map { filter in
                ["name": filter.0, "value": filter.1, "removeLink": link(kept.filter { $0 != filter })]
            },
            "total": result.total, "hasResults": result.total > 0,
            "records": result.records.map { record in
                let fields = record.fields
                return [
                    "link": "/records/\(record.id)" + Self.asOfQuery(query.asOf), "name": RecordView.heading(fields, id: record.id),
                    "catalog": [fields["institutionCode"], fields["collectionCode"], fields["catalogNumber"]].compactMap { $0 }
                        .joined(separator: " "),
                    "place": [fields["locality"], fields["stateProvince"], fields["country"]].compactMap { $0 }.joined(separator: ", "),
                    "year": fields["year"] ?? fields["eventDate"] ?? "", "recordedBy": fields["recordedBy"] ?? "",
                    "flags": record.flags.map(\.rawValue),
                ]
            },
            "downloads": Self.downloads.enumerated().map { index, download in
                [
                    "label": download.label, "last": index == Self.downloads.count - 1,
                    "link": "/api/records/export?" + (kept.filter { $0.0 != "limit" && $0.0 != "facet" } + [("format", download.format.rawValue)])
                        .map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&"),
                ]
            },
            "citeSearch": kept.filter { !["limit", "facet", "cursor"].contains($0.0) }
                .map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&"),
            "hasNext": result.next != nil, "next": result.next.map { link(kept + [("cursor", $0)]) } ?? "",
            "facets": result.facets.filter { !$0.values.isEmpty }.map { facet in
                [
                    "label": facet.term.rawValue,
                    "values": facet.values.map { value in
                        [
                            "value": value.value, "count": value.count,
                            "link": link(kept.filter { $0.0 != facet.term.rawValue } + [(facet.term.rawValue, value.value)]),
                        ]
                    },
                ]
            },
        ]
        if let asOf = query.asOf { values["past"] = Self.past(asOf, showing: "the records as they were", now: link(now), "See them now") }
        if result.total > 0 {
            let map = MapSearch(query: query, parameters: parameters)
            var view = MapSearch.view(try await store.mapGrid(query), subject: "the records found", link: map.searchLink)
            view["geojson"] = "/api/map?" + map.encodedParameters
            values["map"] = view
        }
        return pages.render("search", values, context: context)
    }

    @Sendable func record(_ request: Request, context: EmendRequestContext) throws -> Response {
        let asOf = try RecordsAPI.position(request, store: store)
        let version = request.uri.queryParameters["version"].flatMap { Int64($0) }
        let notice = request.uri.queryParameters["notice"].flatMap { Self.notices[String($0)] }
        return try recordPage(
            try context.parameters.require("id"), version: version, asOf: asOf, form: notice.map { ["notice": $0] } ?? [:], context: context)
    }

    /// The record page; after a refused note or report, with the form's error and what was typed. As of a position in
    /// the log, the record as it was then, without today's contributions or the forms to add one.
    private func recordPage(
        _ id: String, version: Int64? = nil, asOf: LogPosition? = nil, form: [String: Any] = [:], status: HTTPResponse.Status = .ok,
        context: EmendRequestContext
    ) throws -> Response {
        let current = try store.record(id: id)
        let shown = try asOf.map { try store.record(id: id, asOf: $0) } ?? version.map { try store.record(id: id, version: $0) } ?? current
        let contributions = try store.contributions(onRecord: id)
        let terms = TermRegistry.shared.sorted(current.state.fields.keys)
        let isOld = shown.state.version != current.state.version
        var values: [String: Any] = [
            "readOnly": isOld || asOf != nil,
            "historyLink": "/records/\(id)/history" + Self.asOfQuery(asOf),
            "jsonLink": "/api/records/\(id)" + (asOf != nil ? Self.asOfQuery(asOf) : isOld ? "?version=\(shown.state.version)" : ""),
            "id": id, "dataset": shown.state.dataset, "version": shown.state.version, "currentVersion": current.state.version,
            "isOld": isOld, "heading": RecordView.heading(shown.state.fields, id: id),
            "groups": RecordView.groups(shown.state.fields),
            "quality": shown.flags.map(RecordView.flag),
            "extensions": shown.state.extensions.keys.sorted().map { rowType in
                let rows = shown.state.extensions[rowType] ?? []
                return [
                    "rowType": rowType, "count": rows.count,
                    "rows": rows.map { row in ["cells": TermRegistry.shared.sorted(row.keys).map { ["term": $0, "value": row[$0] ?? ""] }] },
                ]
            },
            "proposals": contributions.proposals.map(RecordView.proposal),
            "annotations": contributions.annotations.map(RecordView.annotation),
            "reports": contributions.reports.map(RecordView.report),
            "motivations": RecordView.options(Contributions.Motivation.allCases.map(\.rawValue), selected: form["motivation"] as? String),
            "categories": RecordView.options(Contributions.ReportCategory.allCases.map(\.rawValue), selected: form["category"] as? String),
            "noteTerms": terms.map { ["value": $0, "selected": $0 == form["noteTerm"] as? String] },
            "reportTerms": terms.map { ["value": $0, "selected": $0 == form["reportTerm"] as? String] },
        ]
        if shown.cause?["kind"] == "proposal" {
            func name(_ key: String) throws -> String {
                try shown.cause?[key]?.stringValue.flatMap { try store.user(id: $0)?.name } ?? "someone"
            }
            values["credit"] = "This version is a correction suggested by \(try name("contributor")) and accepted by \(try name("curator"))."
        }
        if let asOf { values["past"] = Self.past(asOf, showing: "this record as it was", now: "/records/\(id)", "See it now") }
        if let point = RecordView.point(shown.state.fields) {
            let nearby = [point.longitude - 0.5, point.latitude - 0.5, point.longitude + 0.5, point.latitude + 0.5]
                .map { SVG.number(min(max($0, -180), 180)) }.joined(separator: ",")
            values["locator"] = SVG.locator(
                latitude: point.latitude, longitude: point.longitude,
                label: "Where it was collected: latitude \(SVG.number(point.latitude)), longitude \(SVG.number(point.longitude))",
                link: SearchParameters.searchPath([("bbox", nearby)] + (asOf.map { [("asOf", String($0.seq))] } ?? [])))
        }
        values.merge(form) { _, new in new }
        return pages.render("record", values, context: context, status: status)
    }

    @Sendable func history(_ request: Request, context: EmendRequestContext) throws -> Response {
        let id = try context.parameters.require("id")
        let asOf = try RecordsAPI.position(request, store: store)
        let versions = try store.history(id: id, asOf: asOf)
        let current = versions.last?.state
        // Restoring is for the present: a page of the past offers none.
        let mayRevert = asOf == nil && context.identity?.mayDecide(
            institutionCode: current?.fields["institutionCode"], collectionCode: current?.fields["collectionCode"]) == true
        var values: [String: Any] = [
            "id": id, "recordLink": "/records/\(id)" + Self.asOfQuery(asOf),
            "versions": versions.reversed().map { version in
                var view: [String: Any] = [
                    "version": version.state.version, "seq": version.seq, "recordedAt": version.recordedAt.rfc3339,
                    "cause": RecordView.cause(version.cause), "actor": version.actor,
                    "hasChanges": !version.changes.isEmpty, "changes": RecordView.changes(version.changes),
                    "mayRevert": mayRevert && version.state.version != current?.version,
                ]
                if version.state.version > 1 { view["previous"] = version.state.version - 1 }
                return view
            },
        ]
        if let asOf {
            values["past"] = Self.past(asOf, showing: "the history of this record as it was", now: "/records/\(id)/history", "See it now")
        }
        return pages.render("history", values, context: context)
    }

    /// Two versions side by side, every term of either, the changed ones marked.
    @Sendable func diff(_ request: Request, context: EmendRequestContext) throws -> Response {
        let id = try context.parameters.require("id")
        let versions = try store.history(id: id)
        func version(_ name: String, default number: Int) throws -> RecordVersion {
            let asked = request.uri.queryParameters[name[...]].map { Int($0) ?? 0 } ?? number
            guard (1...versions.count).contains(asked) else {
                throw RequestError.badParameter(name, reason: "record \(id) has versions 1 to \(versions.count)")
            }
            return versions[asked - 1]
        }
        let from = try version("from", default: max(1, versions.count - 1)), to = try version("to", default: versions.count)
        let terms = Set(from.state.fields.keys).union(to.state.fields.keys).sorted()
        return pages.render(
            "diff",
            [
                "id": id, "name": RecordView.heading(to.state.fields, id: id), "from": from.state.version, "to": to.state.version,
                "rows": terms.map { term in
                    let before = from.state.fields[term], after = to.state.fields[term]
                    return ["term": term, "from": before ?? "—", "to": after ?? "—", "changed": before != after] as [String: Any]
                },
            ],
            context: context)
    }

    @Sendable func suggest(_ request: Request, context: EmendRequestContext) throws -> Response {
        guard context.identity != nil else {
            return .seeOther("/login?next=/records/\(try context.parameters.require("id"))/suggest")
        }
        return try suggestPage(try context.parameters.require("id"), context: context)
    }

    private func suggestPage(
        _ id: String, entered: Form? = nil, error: String? = nil, status: HTTPResponse.Status = .ok, context: EmendRequestContext
    ) throws -> Response {
        let record = try store.record(id: id)
        var fields = record.state.fields
        for (term, value) in entered?.fields(prefixed: "value-") ?? [:] where fields[term] != nil { fields[term] = value }
        var values: [String: Any] = [
            "id": id, "version": record.state.version, "heading": RecordView.heading(record.state.fields, id: id),
            "groups": RecordView.groups(fields),
            "newTerms": (1...3).map { index in
                ["index": index, "term": entered?["new-term-\(index)"] ?? "", "value": entered?["new-value-\(index)"] ?? ""] as [String: Any]
            },
            "termNames": TermRegistry.shared.terms.map(\.name).filter { fields[$0] == nil },
            "rationale": entered?["rationale"] ?? "",
        ]
        if let error { values["error"] = error }
        return pages.render("suggest", values, context: context, status: status)
    }

    @Sendable func propose(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let user = context.identity else { return .seeOther("/login?next=/records/\(id)/suggest") }
        var request = request
        let form = try await Form(request: &request, context: context)
        let record = try store.record(id: id)
        var changes: [String: String?] = [:]
        for (term, value) in form.fields(prefixed: "value-") where record.state.fields[term] != nil && record.state.fields[term] != value {
            changes[term] = value
        }
        for index in 1...3 {
            let term = (form["new-term-\(index)"] ?? "").trimmingCharacters(in: .whitespaces)
            if !term.isEmpty { changes[term] = form["new-value-\(index)"] ?? "" }
        }
        do {
            _ = try store.submitProposal(
                record: id, baseVersion: Int64(form["baseVersion"] ?? "") ?? 0, changes: changes, rationale: form["rationale"] ?? "",
                actor: user)
        } catch let error as InvalidInput {
            return try suggestPage(id, entered: form, error: error.description, status: .badRequest, context: context)
        } catch StoreError.conflict {
            return try suggestPage(
                id, entered: form, error: "The record changed while you were editing it; check the values against the new version.",
                status: .conflict, context: context)
        }
        return .seeOther("/records/\(id)?notice=proposal")
    }

    @Sendable func annotate(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let user = context.identity else { return .seeOther("/login?next=/records/\(id)") }
        var request = request
        let form = try await Form(request: &request, context: context)
        do {
            _ = try store.annotate(
                record: id, motivation: form["motivation"] ?? "", text: form["text"] ?? "", term: form["term"], actor: user)
        } catch let error as InvalidInput {
            return try recordPage(
                id,
                form: [
                    "noteError": error.description, "noteText": form["text"] ?? "", "motivation": form["motivation"] ?? "",
                    "noteTerm": form["term"] ?? "",
                ],
                status: .badRequest, context: context)
        }
        return .seeOther("/records/\(id)?notice=note#notes-heading")
    }

    @Sendable func report(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        var request = request
        let form = try await Form(request: &request, context: context)
        // A filled honeypot is a robot: it is told "thank you" and nothing is stored.
        if let trap = form["website"], !trap.isEmpty { return .seeOther("/records/\(id)?notice=report") }
        do {
            _ = try store.report(
                record: id, category: form["category"] ?? "", description: form["description"] ?? "", term: form["term"],
                email: form["email"], actor: try contributors.reporter(context))
        } catch let error as InvalidInput {
            return try recordPage(
                id,
                form: [
                    "reportError": error.description, "reportDescription": form["description"] ?? "",
                    "category": form["category"] ?? "", "reportTerm": form["term"] ?? "", "reportEmail": form["email"] ?? "",
                ],
                status: .badRequest, context: context)
        }
        return .seeOther("/records/\(id)?notice=report#reports-heading")
    }

    @Sendable func dataset(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let dataset = try store.dataset(id: try context.parameters.require("id"))
        var query = RecordQuery()
        query.filters[.dataset] = [dataset.id]
        query.facets = [.country, .family, .institutionCode]
        query.limit = 1
        let result = try await store.search(query)
        return pages.render(
            "dataset",
            [
                "id": dataset.id, "title": dataset.title, "source": dataset.source, "recordCount": dataset.recordCount,
                "importCount": dataset.importCount, "lastImportAt": dataset.lastImportAt.rfc3339,
                "versions": try store.datasetImports(id: dataset.id).map { version in
                    [
                        "seq": version.seq, "recordedAt": version.recordedAt.rfc3339, "added": version.added, "revised": version.revised,
                        "link": SearchParameters.searchPath([("dataset", dataset.id), ("asOf", String(version.seq))]),
                    ]
                },
                "facets": result.facets.map { facet in
                    [
                        "label": facet.term.rawValue,
                        "values": facet.values.map { value in
                            [
                                "value": value.value, "count": value.count,
                                "link": "/search?dataset=\(Self.escape(dataset.id))&\(facet.term.rawValue)=\(Self.escape(value.value))",
                            ]
                        },
                    ]
                },
            ],
            context: context)
    }

    /// The banner of a page viewed as of a position in the log: what it shows, as of when, and the same page now.
    static func past(_ position: LogPosition, showing subject: String, now link: String, _ linkText: String) -> [String: Any] {
        var banner: [String: Any] = ["subject": subject, "seq": position.seq, "nowLink": link, "nowText": linkText]
        if let recordedAt = position.recordedAt { banner["recordedAt"] = recordedAt.rfc3339 }
        return banner
    }

    /// `?asOf=SEQ` for a link that keeps a page in the past, or nothing.
    static func asOfQuery(_ position: LogPosition?) -> String {
        position.map { "?asOf=\($0.seq)" } ?? ""
    }

    /// The search page's download links, in the order shown.
    static let downloads: [(label: String, format: ExportFormat)] = [
        ("CSV", .csv), ("TSV", .tsv), ("Darwin Core Archive", .dwca), ("GeoJSON", .geojson), ("NDJSON", .ndjson),
    ]

    /// What a contributor is told after a form went through.
    static let notices = [
        "proposal": "Thank you. Your suggestion is waiting for a curator; you can follow it under My contributions.",
        "note": "Thank you. Your note is on the record.",
        "report": "Thank you. The curators will look at your report.",
    ]

    /// Percent-encodes a query parameter name or value.
    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
