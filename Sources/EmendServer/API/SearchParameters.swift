import EmendCore
import EmendStore
import Hummingbird

/// Reads a record search from query parameters, the same for the API and the search page. Unknown names and
/// malformed values are refused with the parameter named; empty values (a form's blank fields) are ignored.
enum SearchParameters {
    static let names = ["q", "bbox", "hasCoordinates", "facet", "sort", "limit", "cursor", "asOf"] + SearchTerm.allCases.map(\.rawValue)

    /// The search the parameters ask for; `store` says where the log ended at an `asOf`.
    static func query(_ parameters: some Sequence<(key: Substring, value: Substring)>, store: Store) throws -> RecordQuery {
        var query = RecordQuery()
        for (key, value) in parameters {
            let name = String(key), value = String(value).trimmingCharacters(in: .whitespaces)
            if name.isEmpty { continue }
            if value.isEmpty {
                guard names.contains(name) else { throw unknown(name) }
                continue
            }
            switch name {
            case "q":
                query.text = value
            case "year":
                guard query.yearFrom == nil, query.yearTo == nil else {
                    throw RequestError.badParameter(name, reason: "given twice; one year or one range")
                }
                (query.yearFrom, query.yearTo) = try years(value)
            case "bbox":
                query.boundingBox = try boundingBox(value)
            case "hasCoordinates":
                guard let flag = ["true": true, "false": false][value] else {
                    throw RequestError.badParameter(name, reason: "true or false; got \"\(value)\"")
                }
                query.hasCoordinates = flag
            case "facet":
                guard let term = SearchTerm(rawValue: value) else {
                    throw RequestError.badParameter(name, reason: "one of \(termList); got \"\(value)\"")
                }
                if !query.facets.contains(term) { query.facets.append(term) }
            case "sort":
                let descending = value.hasPrefix("-")
                guard let term = SearchTerm(rawValue: String(value.dropFirst(descending ? 1 : 0))), term.sortable else {
                    throw RequestError.badParameter(
                        name, reason: "a term, or -term for descending: one of \(sortableTermList); got \"\(value)\"")
                }
                query.sort = SearchSort(term: term, descending: descending)
            case "limit":
                guard let limit = Int(value), (1...RecordQuery.maxLimit).contains(limit) else {
                    throw RequestError.badParameter(name, reason: "a whole number from 1 to \(RecordQuery.maxLimit); got \"\(value)\"")
                }
                query.limit = limit
            case "cursor":
                query.cursor = value
            case "asOf":
                query.asOf = try store.position(asOf: value)
            case "flag":
                guard QualityCode(rawValue: value) != nil else {
                    throw RequestError.badParameter(
                        name, reason: "a quality flag: one of \(QualityCode.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(value)\"")
                }
                query.filters[.flag, default: []].append(value)
            default:
                guard let term = SearchTerm(rawValue: name) else { throw unknown(name) }
                query.filters[term, default: []].append(value)
            }
        }
        return query
    }

    /// The search page for these parameters, each name and value percent-encoded.
    static func searchPath(_ pairs: [(String, String)]) -> String {
        "/search?" + pairs.map { "\(SitePages.escape($0.0))=\(SitePages.escape($0.1))" }.joined(separator: "&")
    }

    private static var termList: String { SearchTerm.allCases.map(\.rawValue).joined(separator: ", ") }
    private static var sortableTermList: String { SearchTerm.allCases.filter(\.sortable).map(\.rawValue).joined(separator: ", ") }

    private static func unknown(_ name: String) -> RequestError {
        .badParameter(name, reason: "unknown parameter; known are \(names.joined(separator: ", "))")
    }

    /// `1950`, `1900..1950`, `1900..` or `..1950`.
    private static func years(_ value: String) throws -> (Int?, Int?) {
        let reason = "a year (1950) or a range (1900..1950, 1900.., ..1950); got \"\(value)\""
        guard value.contains("..") else {
            guard let year = Int(value) else { throw RequestError.badParameter("year", reason: reason) }
            return (year, year)
        }
        let parts = value.components(separatedBy: "..")
        guard parts.count == 2, parts.contains(where: { !$0.isEmpty }) else { throw RequestError.badParameter("year", reason: reason) }
        func bound(_ text: String) throws -> Int? {
            if text.isEmpty { return nil }
            guard let year = Int(text) else { throw RequestError.badParameter("year", reason: reason) }
            return year
        }
        let (from, to) = (try bound(parts[0]), try bound(parts[1]))
        if let from, let to, from > to { throw RequestError.badParameter("year", reason: "the range starts after it ends: \"\(value)\"") }
        return (from, to)
    }

    /// `minLon,minLat,maxLon,maxLat` in decimal degrees.
    private static func boundingBox(_ value: String) throws -> BoundingBox {
        let numbers = value.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 4, let west = numbers[0], let south = numbers[1], let east = numbers[2], let north = numbers[3] else {
            throw RequestError.badParameter("bbox", reason: "four numbers minLon,minLat,maxLon,maxLat; got \"\(value)\"")
        }
        guard (-180...180).contains(west), (-180...180).contains(east), (-90...90).contains(south), (-90...90).contains(north), south <= north
        else {
            throw RequestError.badParameter(
                "bbox", reason: "longitudes within ±180, latitudes within ±90 and minLat ≤ maxLat; got \"\(value)\"")
        }
        return BoundingBox(minLongitude: west, minLatitude: south, maxLongitude: east, maxLatitude: north)
    }
}
