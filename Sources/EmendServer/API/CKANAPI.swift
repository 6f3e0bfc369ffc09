import EmendCore
import EmendStore
import Foundation
import Hummingbird

/// The read actions of CKAN's Action API (as the Natural History Museum's data portal serves them), so that CKAN
/// clients (`ckanapi`, the portal's own scripts) read Emend's records: at `/api/3/action/{action}` and
/// `/api/action/{action}`, by GET (query parameters; JSON-valued ones as JSON text) or POST (a JSON object).
///
/// A dataset is a package with one resource, its records, whose id is the dataset's id; `datastore_search` searches
/// it through the store's record search. Answers are CKAN's envelope `{"help", "success", "result"}`, and errors
/// CKAN's `{"help", "success": false, "error": {"__type", "message", field: [reasons]…}}`: 404 `Not Found Error`,
/// 409 `Validation Error`, 400 for an unknown action or a body that is not JSON.
struct CKANAPI {
    let store: Store
    let baseURL: String

    static let actions = ["package_list", "package_show", "resource_show", "datastore_search", "status_show", "help_show"]
    static let searchParameters: Set<String> = [
        "resource_id", "q", "filters", "limit", "offset", "sort", "fields", "include_total", "after", "records_format",
    ]
    static let defaultLimit = 100

    func addRoutes(to router: Router<EmendRequestContext>) {
        for prefix in ["api/3/action", "api/action"] {
            router.get(RouterPath("\(prefix)/:action"), use: handle)
            router.post(RouterPath("\(prefix)/:action"), use: handle)
        }
    }

    /// A CKAN error: its status, `__type`, message, and the fields it names with their reasons.
    struct Failure: Error {
        var status: HTTPResponse.Status
        var type: String
        var message: String
        var fields: [String: String] = [:]

        static func validation(_ field: String, _ reason: String) -> Failure {
            Failure(status: .conflict, type: "Validation Error", message: "Validation Error: \(field): \(reason)", fields: [field: reason])
        }

        /// Emend's errors, as CKAN would give them: the classification is `ErrorDescription`'s, in one place.
        init(_ error: any Error) {
            if let failure = error as? Failure {
                self = failure
                return
            }
            let description = ErrorDescription(error)
            switch description.status {
            case .notFound:
                self = Failure(status: .notFound, type: "Not Found Error", message: "Not found: \(description.message)")
            case .badRequest:
                // The store's search names its cursor `cursor`; CKAN's parameter for it is `after`.
                self = .validation(description.field == "cursor" ? "after" : description.field ?? "body", description.message)
            case .contentTooLarge, .tooManyRequests:
                self = Failure(status: description.status, type: "Bad Request", message: "Bad request - \(description.message)")
            default:
                self = Failure(status: .internalServerError, type: "Internal Server Error", message: "Internal server error")
            }
        }

        init(status: HTTPResponse.Status, type: String, message: String, fields: [String: String] = [:]) {
            self.status = status
            self.type = type
            self.message = message
            self.fields = fields
        }
    }

    @Sendable func handle(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let action = try context.parameters.require("action")
        let prefix = request.uri.path.hasPrefix("/api/3/") ? "/api/3/action" : "/api/action"
        let help = "\(baseURL)\(prefix)/help_show?name=\(action)"
        do {
            guard Self.actions.contains(action) else {
                throw Failure(status: .badRequest, type: "Bad Request", message: "Bad request - Action name not known: \(action)")
            }
            let parameters = try await Self.parameters(request, context: context)
            let result: JSONValue
            switch action {
            case "package_list": result = try packageList(parameters)
            case "package_show": result = try package(try Self.required(parameters, "id"))
            case "resource_show": result = try resource(try Self.required(parameters, "id"))
            case "datastore_search": result = try await datastoreSearch(parameters, prefix: prefix)
            case "status_show": result = status()
            default: result = .string(try Self.help(try Self.required(parameters, "name")))
            }
            return JSONResponse(["help": .string(help), "success": true, "result": result]).response
        } catch {
            let failure = Failure(error)
            var body: [String: JSONValue] = ["__type": .string(failure.type), "message": .string(failure.message)]
            for (field, reason) in failure.fields { body[field] = [.string(reason)] }
            return JSONResponse(["help": .string(help), "success": false, "error": .object(body)], status: failure.status).response
        }
    }

    /// The action's parameters: the query's, and a POST's JSON object over them.
    static func parameters(_ request: Request, context: EmendRequestContext) async throws -> [String: JSONValue] {
        var parameters: [String: JSONValue] = [:]
        // Form-encoded, as CKAN (and `requests`, which ckanapi's GET uses) read it: `+` is a space.
        func decoded(_ part: Substring) -> String {
            let text = part.replacingOccurrences(of: "+", with: " ")
            return text.removingPercentEncoding ?? text
        }
        for pair in (request.uri.query ?? "").split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decoded(parts[0]), value = JSONValue.string(parts.count > 1 ? decoded(parts[1]) : "")
            // A repeated parameter (fields=a&fields=b) is a list, as CKAN reads it.
            switch parameters[name] {
            case nil: parameters[name] = value
            case .array(let values)?: parameters[name] = .array(values + [value])
            case let first?: parameters[name] = .array([first, value])
            }
        }
        guard request.method == .post else { return parameters }
        var request = request
        let bytes = Array(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
        guard bytes.contains(where: { !($0 == 32 || $0 == 10 || $0 == 13 || $0 == 9) }) else { return parameters }
        guard let body = (try? JSONParser.parse(bytes))?.objectValue else {
            throw Failure(status: .badRequest, type: "Bad Request", message: "Bad request - JSON Error: the body must be a JSON object")
        }
        return parameters.merging(body) { $1 }
    }

    static func required(_ parameters: [String: JSONValue], _ name: String) throws -> String {
        guard let value = parameters[name], let text = scalarText(value), !text.isEmpty else { throw Failure.validation(name, "Missing value") }
        return text
    }

    /// A string, a number or a boolean as text; nil for anything else.
    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// A whole number from a number or its text.
    static func integer(_ parameters: [String: JSONValue], _ name: String) throws -> Int? {
        guard let value = parameters[name], value != .null else { return nil }
        guard let text = scalarText(value), let number = Int(text), number >= 0 else {
            throw Failure.validation(name, "Invalid integer: must be a whole number from 0")
        }
        return number
    }

    /// A JSON value given as JSON text by GET, or as itself by POST.
    static func json(_ parameters: [String: JSONValue], _ name: String) throws -> JSONValue? {
        guard let value = parameters[name], value != .null else { return nil }
        guard case .string(let text) = value, text.first == "{" || text.first == "[" else { return value }
        guard let parsed = try? JSONParser.parse(text) else { throw Failure.validation(name, "Cannot parse JSON") }
        return parsed
    }

    // MARK: - Packages and resources

    func packageList(_ parameters: [String: JSONValue]) throws -> JSONValue {
        let ids = try store.datasets().map(\.id).sorted()
        let offset = try Self.integer(parameters, "offset") ?? 0, limit = try Self.integer(parameters, "limit") ?? ids.count
        return .array(ids.dropFirst(offset).prefix(limit).map(JSONValue.string))
    }

    func package(_ id: String) throws -> JSONValue {
        let dataset = try dataset(id, kind: "Dataset")
        return [
            "id": .string(dataset.id), "name": .string(dataset.id), "title": .string(dataset.title), "type": "dataset",
            "state": "active", "private": false, "notes": .string("Darwin Core occurrences imported from \(dataset.source)."),
            "url": .string("\(baseURL)/datasets/\(dataset.id)"), "metadata_modified": .string(Self.ckanTime(dataset.lastImportAt)),
            "num_resources": 1, "num_tags": 0, "tags": [], "extras": [], "organization": .null,
            "resources": [resourceJSON(dataset)],
        ]
    }

    func resource(_ id: String) throws -> JSONValue { resourceJSON(try dataset(id, kind: "Resource")) }

    private func resourceJSON(_ dataset: DatasetInfo) -> JSONValue {
        [
            "id": .string(dataset.id), "package_id": .string(dataset.id), "name": .string("\(dataset.title): records"),
            "description": .string("The dataset's \(dataset.recordCount) specimen records, one row each, by Darwin Core term."),
            "url": .string("\(baseURL)/api/records?dataset=\(dataset.id)"), "format": "JSON", "mimetype": "application/json",
            "datastore_active": true, "state": "active", "position": 0, "resource_type": .null,
            "last_modified": .string(Self.ckanTime(dataset.lastImportAt)),
        ]
    }

    private func dataset(_ id: String, kind: String) throws -> DatasetInfo {
        do { return try store.dataset(id: id) } catch StoreError.notFound {
            throw Failure(status: .notFound, type: "Not Found Error", message: "Not found: \(kind) \"\(id)\" was not found.")
        }
    }

    /// CKAN writes times as ISO 8601 in UTC without a zone: `2024-05-01T12:00:00.123000`.
    static func ckanTime(_ time: Timestamp) -> String {
        String(time.rfc3339.dropLast()) + "000"
    }

    func status() -> JSONValue {
        [
            "site_title": "Emend", "site_url": .string(baseURL), "ckan_version": "2.10.0", "locale_default": "en",
            "site_description": "Museum specimen records, corrected in public: the read actions of CKAN's Action API.",
            "extensions": ["datastore"],
        ]
    }

    static func help(_ name: String) throws -> String {
        switch name {
        case "package_list": "package_list(limit, offset): the ids of the datasets."
        case "package_show": "package_show(id): a dataset, as a package with one resource, its records."
        case "resource_show": "resource_show(id): a dataset's records resource; its id is the dataset's."
        case "datastore_search":
            "datastore_search(resource_id, q, filters, limit=100 (at most 1000), offset, sort, fields, include_total, after): "
                + "records of a dataset. q is words in the records' text (or {field: words}); filters {term: value or [values]} "
                + "on the terms search indexes; sort \"term asc|desc\"; after the result's `after`, for deep paging."
        case "status_show": "status_show(): the site and the CKAN API level it answers."
        case "help_show": "help_show(name): what an action does."
        default: throw Failure(status: .notFound, type: "Not Found Error", message: "Not found: Action function not found: \(name)")
        }
    }

    // MARK: - datastore_search

    func datastoreSearch(_ parameters: [String: JSONValue], prefix: String) async throws -> JSONValue {
        for name in parameters.keys where !Self.searchParameters.contains(name) {
            throw Failure.validation(name, "The input field \(name) was not expected; known are \(Self.searchParameters.sorted().joined(separator: ", "))")
        }
        let resourceID = try Self.required(parameters, "resource_id")
        _ = try dataset(resourceID, kind: "Resource")
        if let format = parameters["records_format"], Self.scalarText(format) != "objects" {
            throw Failure.validation("records_format", "only \"objects\" is served")
        }
        var query = RecordQuery()
        query.filters[.dataset] = [resourceID]
        query.text = try Self.text(try Self.json(parameters, "q"))
        try Self.addFilters(try Self.json(parameters, "filters"), to: &query)
        let sortText = parameters["sort"].flatMap(Self.scalarText)
        if let sortText { query.sort = try Self.sort(sortText) }
        let requested = try Self.integer(parameters, "limit") ?? Self.defaultLimit
        let limit = min(requested, RecordQuery.maxLimit)
        query.limit = max(limit, 1)
        let offset = try Self.integer(parameters, "offset")
        let after = parameters["after"].flatMap(Self.scalarText).flatMap { $0.isEmpty ? nil : $0 }
        if after != nil, (offset ?? 0) > 0 { throw Failure.validation("after", "give after or an offset, not both") }
        let includeTotal = try Self.flag(parameters, "include_total") ?? true
        let fields = try Self.fieldList(try Self.json(parameters, "fields"))

        var records: [RecordSummary] = []
        var total = 0, next: String?
        if let after {
            query.cursor = after
            let result = try await store.search(query)
            (records, total, next) = (result.records, result.total, result.next)
        } else {
            switch try await store.searchStart(query, offset: offset ?? 0) {  // no offset: the first page
            case .cursor(let cursor):
                query.cursor = cursor
                let result = try await store.search(query)
                (records, total, next) = (result.records, result.total, result.next)
            case .pastTheEnd:
                query.limit = 1
                total = try await store.search(query).total
            }
        }
        if limit == 0 { (records, next) = ([], nil) }

        let rows: [[String: String]] = records.map { record in
            var row = record.fields
            row["_id"] = record.id
            return row
        }
        let names = fields ?? (["_id"] + Set(rows.flatMap(\.keys)).subtracting(["_id"]).sorted())
        var result: [String: JSONValue] = [
            "resource_id": .string(resourceID), "limit": .int(Int64(limit)), "include_total": .bool(includeTotal),
            "records_format": "objects",
            "fields": .array(names.map { ["id": .string($0), "type": "text"] }),
            "records": .array(rows.map { row in
                .object(Dictionary(names.compactMap { name in row[name].map { (name, JSONValue.string($0)) } }) { first, _ in first })
            }),
        ]
        if includeTotal { result["total"] = .int(Int64(total)) }
        if let q = parameters["q"] { result["q"] = q }
        if let filters = try Self.json(parameters, "filters") { result["filters"] = filters }
        if let sortText { result["sort"] = .string(sortText) }

        // _links as CKAN gives them: paths on this site, the same search from the start and the next page.
        var common: [(String, String)] = [("resource_id", resourceID)]
        for name in ["q", "filters", "fields"] {
            if let value = parameters[name] { common.append((name, Self.scalarText(value) ?? CanonicalJSON.string(value))) }
        }
        if let sortText { common.append(("sort", sortText)) }
        if parameters["limit"] != nil { common.append(("limit", String(limit))) }
        if parameters["include_total"] != nil { common.append(("include_total", includeTotal ? "true" : "false")) }
        var links: [String: JSONValue] = ["start": .string(Self.link(prefix, common))]
        if after != nil {
            if let next { links["next"] = .string(Self.link(prefix, common + [("after", next)])) }
        } else {
            let nextOffset = (offset ?? 0) + limit
            links["next"] = .string(Self.link(prefix, common + [("offset", String(nextOffset))]))
            result["offset"] = .int(Int64(offset ?? 0))
        }
        if let next { result["after"] = .string(next) }
        result["_links"] = .object(links)
        return .object(result)
    }

    static func link(_ prefix: String, _ parameters: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = parameters.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return "\(prefix)/datastore_search?\(query)"
    }

    /// `q`: words, or `{field: words}`, whose words all search the records' text (taxon, place, people).
    static func text(_ q: JSONValue?) throws -> String? {
        switch q {
        case nil, .null?: return nil
        case .string(let text)?: return text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : text
        case .object(let fields)?:
            var words: [String] = []
            for (field, value) in fields.sorted(by: { $0.key < $1.key }) {
                guard let text = scalarText(value) else { throw Failure.validation("q", "the words for \(field) must be a string") }
                words.append(text)
            }
            let text = words.joined(separator: " ")
            return text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : text
        default:
            throw Failure.validation("q", "a string, or an object {field: words}")
        }
    }

    /// `filters`: `{term: value or [values]}` on the terms the record search indexes; `year` one year.
    static func addFilters(_ filters: JSONValue?, to query: inout RecordQuery) throws {
        guard let filters, filters != .null else { return }
        guard let object = filters.objectValue else { throw Failure.validation("filters", "must be a JSON object {term: value or [values]}") }
        let filterable = SearchTerm.allCases.filter { $0 != .dataset }.map(\.rawValue)
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            guard let term = SearchTerm(rawValue: name), term != .dataset else {
                throw Failure.validation(
                    "filters", "cannot filter on \"\(name)\": the terms this resource filters on are \(filterable.joined(separator: ", "))")
            }
            let values = try (value.arrayValue ?? [value]).map { item in
                guard let text = scalarText(item) else { throw Failure.validation("filters", "\(name): a value must be a string or a number") }
                return text
            }
            if term == .year {
                guard values.count == 1, let year = Int(values[0]) else { throw Failure.validation("filters", "year: one year, a whole number") }
                (query.yearFrom, query.yearTo) = (year, year)
            } else {
                query.filters[term, default: []] += values
            }
        }
    }

    /// `sort`: `term`, `term asc` or `term desc`, by one term the search sorts on, or `_id` (import order).
    static func sort(_ text: String) throws -> SearchSort {
        let keys = text.split(separator: ",")
        guard keys.count <= 1 else { throw Failure.validation("sort", "one sort key is supported; got \"\(text)\"") }
        let parts = (keys.first ?? "").split(separator: " ").map(String.init)
        guard let name = parts.first else { return SearchSort() }
        let direction = parts.count > 1 ? parts[1].lowercased() : "asc"
        guard parts.count <= 2, direction == "asc" || direction == "desc" else {
            throw Failure.validation("sort", "\"term asc\" or \"term desc\"; got \"\(text)\"")
        }
        if name == "_id" {
            guard direction == "asc" else { throw Failure.validation("sort", "_id sorts ascending only (import order)") }
            return SearchSort()
        }
        guard let term = SearchTerm(rawValue: name.trimmingCharacters(in: CharacterSet(charactersIn: "\""))), term.sortable else {
            throw Failure.validation(
                "sort", "cannot sort on \"\(name)\": one of _id, \(SearchTerm.allCases.filter(\.sortable).map(\.rawValue).joined(separator: ", "))")
        }
        return SearchSort(term: term, descending: direction == "desc")
    }

    static func flag(_ parameters: [String: JSONValue], _ name: String) throws -> Bool? {
        switch parameters[name] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case .string(let text)? where ["true", "false", "True", "False", "1", "0"].contains(text): return ["true", "True", "1"].contains(text)
        default: throw Failure.validation(name, "true or false")
        }
    }

    /// `fields`: a list, or names separated by commas.
    static func fieldList(_ value: JSONValue?) throws -> [String]? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .array(let items)?:
            return try items.map { item in
                guard let name = item.stringValue else { throw Failure.validation("fields", "names of fields, as strings") }
                return name
            }
        default:
            throw Failure.validation("fields", "a list of field names, or names separated by commas")
        }
    }
}
