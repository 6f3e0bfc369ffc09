import EmendStore
import Hummingbird

/// A search as a map reads it: the search's parameters (those of `/api/records`, `asOf` included) and the cell
/// size, and the links from each cell to the same search narrowed to the cell.
struct MapSearch {
    var query: RecordQuery
    /// Degrees on a side, when asked for (`cell=`); else the size suits the extent of the matches.
    var cellSize: Double?
    /// The parameters that say which records match, in the order given; `asOf` as the seq it resolved to, so that
    /// the links stay on the same moment.
    private(set) var parameters: [(String, String)]
    /// `parameters` percent-encoded, once: a map makes a link for every cell.
    private var encoded = ""

    /// Parameters a cell's link leaves out: the page, and the map's own.
    private static let pageParameters: Set<String> = ["cursor", "limit", "facet", "sort", "cell", "asOf", "bbox"]

    init(_ request: Request, store: Store) throws {
        let given = request.uri.queryParameters
        var cellSize: Double?
        if let cell = given["cell"].map(String.init), !cell.isEmpty {
            guard let size = Double(cell), MapGrid.allowedSizes.contains(size) else {
                throw RequestError.badParameter(
                    "cell", reason: "degrees on a side, from \(SVG.number(MapGrid.allowedSizes.lowerBound)) to \(SVG.number(MapGrid.allowedSizes.upperBound)); got \"\(cell)\"")
            }
            cellSize = size
        }
        try self.init(parameters: given.filter { $0.key != "cell" }.map { (String($0.key), String($0.value)) }, cellSize: cellSize, store: store)
    }

    init(parameters given: [(String, String)], cellSize: Double? = nil, store: Store) throws {
        self.init(
            query: try SearchParameters.query(given.map { (key: Substring($0.0), value: Substring($0.1)) }, store: store),
            parameters: given, cellSize: cellSize)
    }

    /// The map of a search read already (the search page's).
    init(query: RecordQuery, parameters given: [(String, String)], cellSize: Double? = nil) {
        self.query = query
        self.cellSize = cellSize
        parameters = given.filter { !$0.1.isEmpty && !Self.pageParameters.contains($0.0) } + (query.asOf.map { [("asOf", String($0.seq))] } ?? [])
        encoded = Self.query(parameters)
    }

    /// The search's `bbox` narrowed to the cell's (within the search's own box, when it has one that does not
    /// cross the antimeridian), as the query parameter: numbers, commas and signs need no percent-encoding.
    func bbox(_ cell: BoundingBox) -> String {
        var box = cell
        if let own = query.boundingBox, own.minLongitude <= own.maxLongitude {
            box = BoundingBox(
                minLongitude: max(box.minLongitude, own.minLongitude), minLatitude: max(box.minLatitude, own.minLatitude),
                maxLongitude: min(box.maxLongitude, own.maxLongitude), maxLatitude: min(box.maxLatitude, own.maxLatitude))
        }
        return "bbox=" + [box.minLongitude, box.minLatitude, box.maxLongitude, box.maxLatitude].map(SVG.number).joined(separator: ",")
    }

    /// Percent-encoded as the search page's links are, but for the commas of a `bbox`, which a query may hold.
    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(SitePages.escape($0.0))=\(SitePages.escape($0.1).replacingOccurrences(of: "%2C", with: ","))" }
            .joined(separator: "&")
    }

    private func link(_ path: String, _ cell: BoundingBox) -> String { path + encoded + (encoded.isEmpty ? "" : "&") + bbox(cell) }

    /// The search page of the records in a cell.
    func searchLink(_ cell: BoundingBox) -> String { link("/search?", cell) }

    /// The same as JSON.
    func apiLink(_ cell: BoundingBox) -> String { link("/api/records?", cell) }

    /// The map's own parameters (for the GeoJSON link under a page's map).
    var encodedParameters: String { encoded }

    /// What the map shows, in words: the label of its SVG.
    static func label(_ grid: MapGrid, of subject: String) -> String {
        "Map of \(subject): \(SVG.count(grid.total)) with coordinates, in \(SVG.count(grid.cells.count)) cells of \(SVG.number(grid.cellSize))°"
    }

    /// The values a page's map template shows: the SVG, its legend and the cell size.
    static func view(_ grid: MapGrid, subject: String, link: (BoundingBox) -> String) -> [String: Any] {
        [
            "svg": SVG.map(grid, view: SVG.view(around: grid.extent), label: label(grid, of: subject), link: link),
            "legend": SVG.legend(upTo: grid.cells.map(\.count).max() ?? 1).map { ["label": $0.label, "colour": $0.colour] },
            "cellSize": SVG.number(grid.cellSize), "total": grid.total, "cells": grid.cells.count,
        ]
    }
}
