import EmendCore
import EmendStore
import Hummingbird

/// `GET /api/map` (a search's records by grid cell, as GeoJSON) and `GET /api/stats` (counts by term and the
/// community's proposals).
struct StatisticsAPI {
    let store: Store

    func addRoutes(to api: RouterGroup<EmendRequestContext>) {
        api.get("map", use: map)
        api.get("stats", use: stats)
    }

    @Sendable func map(_ request: Request, context: EmendRequestContext) async throws -> Response {
        let search = try MapSearch(request, store: store)
        let grid = try await store.mapGrid(search.query, cellSize: search.cellSize)
        return Response(
            status: .ok, headers: [.contentType: "application/geo+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: Self.geoJSON(grid, search: search))))
    }

    /// A FeatureCollection of the cells, each a Polygon with its count and the links to its records. Written out
    /// here rather than as a `JSONValue`, which has no numbers with fractions.
    static func geoJSON(_ grid: MapGrid, search: MapSearch) -> [UInt8] {
        // Links are percent-encoded ASCII: nothing in them needs escaping in a JSON string.
        func string(_ link: String) -> String { "\"" + link + "\"" }
        var out = #"{"type":"FeatureCollection","cellSize":\#(SVG.number(grid.cellSize)),"total":\#(grid.total),"asOf":"#
        out += grid.asOf.map { String($0.seq) } ?? "null"
        if let extent = grid.extent {
            out += #","bbox":[\#([extent.minLongitude, extent.minLatitude, extent.maxLongitude, extent.maxLatitude].map(SVG.number).joined(separator: ","))]"#
        }
        out += #","features":["#
        out.reserveCapacity(out.utf8.count + grid.cells.count * 400)
        for (index, cell) in grid.cells.enumerated() {
            let box = grid.bounds(of: cell)
            let (w, s, e, n) = (SVG.number(box.minLongitude), SVG.number(box.minLatitude), SVG.number(box.maxLongitude), SVG.number(box.maxLatitude))
            if index > 0 { out += "," }
            out += #"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[\#(w),\#(s)],[\#(e),\#(s)],[\#(e),\#(n)],[\#(w),\#(n)],[\#(w),\#(s)]]]},"#
            out += #""properties":{"count":\#(cell.count),"records":\#(string(search.apiLink(box))),"search":\#(string(search.searchLink(box)))}}"#
        }
        out += "]}"
        return Array(out.utf8)
    }

    @Sendable func stats(_ request: Request, context: EmendRequestContext) async throws -> JSONResponse {
        try RecordsAPI.onlyParameters(["asOf", "top"], request)
        let top = try Self.top(request)
        let asOf = try request.uri.queryParameters["asOf"].map { try store.position(asOf: String($0)) }
        return JSONResponse(Self.json(try await store.statistics(asOf: asOf), top: top))
    }

    static func top(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters["top"] else { return 20 }
        guard let top = Int(text), (1...1000).contains(top) else {
            throw RequestError.badParameter("top", reason: "a whole number from 1 to 1000; got \"\(text)\"")
        }
        return top
    }

    /// Every term but the year with its `top` commonest values ('' is the records without one), how many distinct
    /// values it has and how many records the rest hold; the years as a histogram, in order.
    static func json(_ statistics: RecordStatistics, top: Int) -> JSONValue {
        var counts: [String: JSONValue] = [:]
        for term in CountedTerm.allCases where term != .year {
            let values = statistics.counts[term] ?? []
            counts[term.rawValue] = [
                "distinct": .int(Int64(values.count)),
                "values": .array(values.prefix(top).map { ["value": .string($0.value), "count": .int(Int64($0.count))] }),
                "other": .int(Int64(values.dropFirst(top).reduce(0) { $0 + $1.count })),
            ]
        }
        let years = Years(statistics.counts[.year] ?? [])
        let community = statistics.community
        var communityJSON: [String: JSONValue] = [
            "proposals": .int(Int64(community.proposals)), "accepted": .int(Int64(community.accepted)),
            "rejected": .int(Int64(community.rejected)),
            "acceptancePercent": community.acceptanceRate.map { .int(Int64(($0 * 100).rounded())) } ?? .null,
            "medianTimeToDecisionMs": community.medianTimeToDecision.map { .int($0) } ?? .null,
            "weeks": .array(
                community.weeks.map { week in
                    [
                        "start": .string(week.start.rfc3339), "submitted": .int(Int64(week.submitted)),
                        "accepted": .int(Int64(week.accepted)), "rejected": .int(Int64(week.rejected)),
                    ]
                }),
            "topContributors": .array(
                community.topContributors.map { person in
                    ["actor": .string(person.actor), "name": person.name.map(JSONValue.string) ?? .null, "accepted": .int(Int64(person.accepted))]
                }),
        ]
        communityJSON["open"] = .int(Int64(community.proposals - community.accepted - community.rejected))
        return [
            "asOf": statistics.asOf.map { .int($0.seq) } ?? .null, "records": .int(Int64(statistics.records)),
            "counts": .object(counts),
            "years": .array(years.years.map { ["year": .int(Int64($0.year)), "count": .int(Int64($0.count))] }),
            "withoutYear": .int(Int64(years.without)),
            "community": .object(communityJSON),
        ]
    }
}

/// The year counts in year order, and the records without a year.
struct Years {
    var years: [(year: Int, count: Int)]
    var without: Int

    init(_ counts: [FacetCount]) {
        years = counts.compactMap { count in Int(count.value).map { ($0, count.count) } }.sorted { $0.year < $1.year }
        without = counts.filter { Int($0.value) == nil }.reduce(0) { $0 + $1.count }
    }

    /// Bins for a chart: single years over up to 60 years, else decades.
    var bins: [(label: String, from: Int, to: Int, count: Int)] {
        guard let first = years.first?.year, let last = years.last?.year else { return [] }
        let width = last - first < 60 ? 1 : 10
        func start(_ year: Int) -> Int { year >= 0 ? year / width * width : -((-year + width - 1) / width) * width }
        var bins: [(label: String, from: Int, to: Int, count: Int)] = []
        for (year, count) in years {
            let from = start(year)
            if let lastBin = bins.last, lastBin.from == from {
                bins[bins.count - 1].count += count
            } else {
                bins.append((width == 1 ? String(from) : "\(from)s", from, from + width - 1, count))
            }
        }
        // Empty bins between, unless odd years (0, 9999) would make thousands of them.
        guard let firstBin = bins.first, let lastBin = bins.last, (lastBin.from - firstBin.from) / width < 400 else { return bins }
        var filled: [(label: String, from: Int, to: Int, count: Int)] = []
        var index = 0
        for from in stride(from: firstBin.from, through: lastBin.from, by: width) {
            if bins[index].from == from {
                filled.append(bins[index])
                index += 1
            } else {
                filled.append((width == 1 ? String(from) : "\(from)s", from, from + width - 1, 0))
            }
        }
        return filled
    }
}
