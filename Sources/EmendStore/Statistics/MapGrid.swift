import EmendCore
import Foundation
import GRDB

/// How many records of a search lie in each cell of a grid of square cells, for a distribution map.
/// A cell is given by its row and column: it spans latitudes `row × size` (included) to `(row + 1) × size`, and
/// longitudes `column × size` to `(column + 1) × size`; points at latitude 90 or longitude 180 are in the last one.
public struct MapGrid: Sendable, Equatable {
    public struct Cell: Sendable, Equatable {
        public var row: Int
        public var column: Int
        public var count: Int
    }

    /// Degrees on a side.
    public var cellSize: Double
    /// The cells holding matches, south to north and west to east.
    public var cells: [Cell]
    /// Where the log ended for this grid; nil for the records now.
    public var asOf: LogPosition?

    /// The matching records with coordinates.
    public var total: Int { cells.reduce(0) { $0 + $1.count } }

    public func bounds(of cell: Cell) -> BoundingBox {
        func edge(_ index: Int) -> Double { Self.rounded(Double(index) * cellSize) }
        return BoundingBox(
            minLongitude: edge(cell.column), minLatitude: edge(cell.row), maxLongitude: min(180, edge(cell.column + 1)),
            maxLatitude: min(90, edge(cell.row + 1)))
    }

    /// The box around every cell; nil when there are none.
    public var extent: BoundingBox? {
        guard let first = cells.first else { return nil }
        var (south, north, west, east) = (first.row, first.row, first.column, first.column)
        for cell in cells {
            south = min(south, cell.row)
            north = max(north, cell.row)
            west = min(west, cell.column)
            east = max(east, cell.column)
        }
        let low = bounds(of: Cell(row: south, column: west, count: 0)), high = bounds(of: Cell(row: north, column: east, count: 0))
        return BoundingBox(
            minLongitude: low.minLongitude, minLatitude: low.minLatitude, maxLongitude: high.maxLongitude, maxLatitude: high.maxLatitude)
    }

    /// Cell sizes a map chooses from when none is asked for.
    public static let sizes: [Double] = [0.1, 0.2, 0.5, 1, 2, 3, 5, 10]
    /// The size asked for must be in this range.
    public static let allowedSizes: ClosedRange<Double> = 0.1...90

    /// The smallest of `sizes` that spans the extent in at most 72 columns and 36 rows (the world in 5° cells).
    public static func size(spanning extent: BoundingBox) -> Double {
        let needed = max((extent.maxLongitude - extent.minLongitude) / 72, (extent.maxLatitude - extent.minLatitude) / 36)
        return sizes.first { $0 >= needed - 1e-9 } ?? sizes.last!
    }

    /// Edges as decimal degrees without floating-point noise (0.30000000000000004).
    static func rounded(_ degrees: Double) -> Double { (degrees * 1e6).rounded() / 1e6 }
}

extension Store {
    /// The grid of the records matching `query` (its filters and `asOf`; not its page, sort or facets), in cells of
    /// `cellSize` degrees, or when nil of the size that suits the extent of the matches (`MapGrid.size(spanning:)`).
    ///
    /// Over all records, in whole degrees, the grid comes from `record_cells`, which the projection keeps (as of a
    /// past seq, less the cells of the rows changed since and plus those of the versions then). A filtered search
    /// counts its matching records, from the same sources as its total: the records now, and as of a past seq
    /// less the rows changed since and plus the versions then.
    public func mapGrid(_ query: RecordQuery, cellSize: Double? = nil) async throws -> MapGrid {
        try await writer.read { db in
            let past = try query.asOf.map { try SearchSource.Past($0, db: db) }
            let unfiltered = try Self.filters(query, in: [SearchSource(.now)])[0].parts.isEmpty
            func grid(_ size: Double) throws -> MapGrid {
                let counts =
                    unfiltered && size >= 1 && size.rounded() == size
                    ? try Self.keptCells(db, size: Int(size), past: past) : try Self.countedCells(db, query: query, size: size, past: past)
                return MapGrid(cellSize: size, cells: Self.cells(counts, size: size), asOf: query.asOf)
            }
            if let cellSize { return try grid(cellSize) }
            // The extent from the grid in 1° cells; a grid in whole degrees is that one, merged.
            let degree = try grid(1)
            guard let extent = degree.extent else { return degree }
            let size = MapGrid.size(spanning: extent)
            guard size >= 1 else { return try grid(size) }
            let step = Int(size)
            func floorDivision(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
            var merged: [Pair: Int] = [:]
            for cell in degree.cells {
                merged[Pair(row: floorDivision(cell.row, step), column: floorDivision(cell.column, step)), default: 0] += cell.count
            }
            return MapGrid(cellSize: size, cells: Self.cells(merged, size: size), asOf: query.asOf)
        }
    }

    struct Pair: Hashable {
        var row: Int
        var column: Int
    }

    /// Counts by cell as cells, the points on the north and east edges of the world put in the last row and column.
    private static func cells(_ counts: [Pair: Int], size: Double) -> [MapGrid.Cell] {
        let lastRow = Int((90 / size - 1e-9).rounded(.up)) - 1, lastColumn = Int((180 / size - 1e-9).rounded(.up)) - 1
        var clamped: [Pair: Int] = [:]
        for (pair, count) in counts where count > 0 {
            clamped[Pair(row: min(pair.row, lastRow), column: min(pair.column, lastColumn)), default: 0] += count
        }
        return clamped.map { MapGrid.Cell(row: $0.key.row, column: $0.key.column, count: $0.value) }
            .sorted { ($0.row, $0.column) < ($1.row, $1.column) }
    }

    /// All records, from `record_cells` in cells of whole degrees.
    private static func keptCells(_ db: Database, size: Int, past: SearchSource.Past?) throws -> [Pair: Int] {
        var sql = "SELECT latitude, longitude, n FROM record_cells"
        var arguments = StatementArguments()
        if let past {
            var arms = [sql]
            for source in [SearchSource(.changed, past), SearchSource(.history, past)] {
                let cells = RecordCounts.cells(table: source.table, from: source.from, where: source.selected.sql)
                arms.append("SELECT latitude, longitude, \(source.sign < 0 ? "-" : "")n FROM (\(cells))")
                arguments += source.selected.arguments
            }
            sql = arms.joined(separator: " UNION ALL ")
        }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT CAST(floor(latitude * 1.0 / ?) AS INTEGER) AS row, CAST(floor(longitude * 1.0 / ?) AS INTEGER) AS col,
                  sum(n) AS n
                FROM (\(sql)) GROUP BY 1, 2
                """, arguments: [size, size] + arguments)
        return Dictionary(uniqueKeysWithValues: rows.map { (Pair(row: $0["row"], column: $0["col"]), $0["n"]) })
    }

    /// The matching records counted by cell, from the sources of the search's total.
    private static func countedCells(_ db: Database, query: RecordQuery, size: Double, past: SearchSource.Past?) throws -> [Pair: Int] {
        let sources = past.map { [SearchSource(.now), SearchSource(.changed, $0), SearchSource(.history, $0)] } ?? [SearchSource(.now)]
        var arms: [String] = []
        var arguments = StatementArguments()
        for (source, filter) in zip(sources, try filters(query, in: sources)) {
            let table = source.table
            // The small nudge puts 0.3 in the cell from 0.3 in cells of 0.1° (0.3 / 0.1 is 2.9999999999999996).
            arms.append(
                """
                SELECT CAST(floor(\(table).decimal_latitude / ? + 1e-9) AS INTEGER) AS row,
                  CAST(floor(\(table).decimal_longitude / ? + 1e-9) AS INTEGER) AS col, \(source.sign < 0 ? "-" : "")count(*) AS n
                FROM \(source.from)
                WHERE \(filter.sql) AND \(table).decimal_latitude IS NOT NULL AND \(table).decimal_longitude IS NOT NULL GROUP BY 1, 2
                """)
            arguments += [size, size]
            arguments += filter.arguments
        }
        let sql = arms.count == 1 ? arms[0] : "SELECT row, col, sum(n) AS n FROM (\(arms.joined(separator: " UNION ALL "))) GROUP BY 1, 2"
        var counts: [Pair: Int] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) { counts[Pair(row: row["row"], column: row["col"]), default: 0] += row["n"] }
        return counts
    }
}
