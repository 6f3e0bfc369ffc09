import Foundation

/// ISO 3166-1 countries, their names in the forms records use, and their outlines from Natural Earth (1:110m), for
/// the country checks. Loaded once, the first time a check needs it, from the EmendCore resources
/// `iso_3166-1.json` (Debian iso-codes) and `ne_110m_admin0_countries.geojson` (Natural Earth, public domain).
public final class CountryAtlas: Sendable {
    public struct Country: Sendable, Hashable {
        public let alpha2: String
        public let alpha3: String
        /// The ISO 3166-1 short name ("United Kingdom", "Bolivia, Plurinational State of").
        public let name: String
        /// The name people write, where it differs ("Bolivia"), else `name`.
        public let commonName: String
    }

    public static let shared = CountryAtlas()

    /// Codes outside the ISO list that Darwin Core and GBIF use: XZ (high seas, as Darwin Core recommends),
    /// ZZ (unknown), XK (Kosovo).
    static let userAssigned: [String: String] = ["XZ": "High seas", "ZZ": "Unknown", "XK": "Kosovo"]

    private let byAlpha2: [String: Country]
    private let byAlpha3: [String: String]
    /// Names exactly as written, then the same folded (lower case, no accents or punctuation): alpha-2 code.
    private let byExactName: [String: String]
    private let byFoldedName: [String: String]
    /// By `slot(of:)` of the alpha-2 code: whether `byAlpha2` has it, and its outline. The checks look up a code or
    /// two for every record, and these take no hashing.
    private let known: [Bool]
    private let outlines: [Shape?]
    /// The exact names `byExactName` gives each code, by `slot(of:)`: a record's country is most often one of the
    /// names of its countryCode, found by comparing with a few, not by hashing.
    private let exactNames: [[String]]
    let allShapes: [Shape]
    /// For each 5° cell (72 × 36, from −180, −90), the indexes in `allShapes` of the shapes whose box meets it.
    private let grid: [[Int32]]
    private static let cellDegrees = 5.0

    private init() {
        var byAlpha2: [String: Country] = [:], byAlpha3: [String: String] = [:], names: [(String, String)] = []
        if let list = Self.decode(ISOCodes.self, resource: "iso_3166-1", extension: "json")?.countries {
            for entry in list {
                guard let a2 = entry.alpha2, let a3 = entry.alpha3, let name = entry.name else { continue }
                let common = entry.commonName ?? name
                byAlpha2[a2] = Country(alpha2: a2, alpha3: a3, name: name, commonName: common)
                byAlpha3[a3] = a2
                for n in [name, common, entry.officialName].compactMap({ $0 }) {
                    names.append((n, a2))
                    // "Korea, Republic of" is also written "Republic of Korea".
                    if let comma = n.range(of: ", ") {
                        names.append((String(n[comma.upperBound...]) + " " + String(n[..<comma.lowerBound]), a2))
                    }
                    // "Falkland Islands (Malvinas)" is also written "Falkland Islands".
                    if let paren = n.range(of: " (") { names.append((String(n[..<paren.lowerBound]), a2)) }
                }
            }
        }
        for (code, name) in Self.userAssigned where byAlpha2[code] == nil {
            byAlpha2[code] = Country(alpha2: code, alpha3: "", name: name, commonName: name)
        }
        names.append(("Kosovo", "XK"))
        names += Self.aliases.map { ($0.key, $0.value) }

        // Natural Earth: its names are aliases too ("Dem. Rep. Congo", "Bosnia and Herz."); its few non-ISO units
        // are read as the country ISO counts them in.
        let neCodes = ["CYN": "CY", "SOL": "SO", "-99": "XK"]
        var shapes: [String: Shape] = [:]
        if let features = Self.decode(NaturalEarth.self, resource: "ne_110m_admin0_countries", extension: "geojson")?.features {
            for feature in features {
                guard let a3 = feature.properties?.alpha3, let code = neCodes[a3] ?? byAlpha3[a3], let polygons = feature.geometry?.polygons
                else { continue }
                if let name = feature.properties?.name { names.append((name, code)) }
                var rings: [Ring] = []
                for polygon in polygons {
                    for ring in polygon { rings.append(Ring(xs: ring.xs, ys: ring.ys)) }
                }
                shapes[code] = Shape(code: code, rings: (shapes[code]?.rings ?? []) + rings)
            }
        }
        self.byAlpha2 = byAlpha2
        self.byAlpha3 = byAlpha3
        self.byExactName = Dictionary(names, uniquingKeysWith: { first, _ in first })
        self.byFoldedName = Dictionary(names.map { (Self.fold($0.0), $0.1) }, uniquingKeysWith: { first, _ in first })
        var known = [Bool](repeating: false, count: 26 * 26), outlines = [Shape?](repeating: nil, count: 26 * 26)
        func slot(_ code: String) -> Int {
            guard let slot = Self.slot(of: code) else { preconditionFailure("\(code) is not an alpha-2 code") }
            return slot
        }
        for code in byAlpha2.keys { known[slot(code)] = true }
        var exactNames = [[String]](repeating: [], count: 26 * 26)
        for (name, code) in byExactName { exactNames[slot(code)].append(name) }
        self.exactNames = exactNames
        for (code, shape) in shapes { outlines[slot(code)] = shape }
        self.known = known
        self.outlines = outlines
        let allShapes = shapes.values.sorted { $0.code < $1.code }
        self.allShapes = allShapes
        var grid = [[Int32]](repeating: [], count: 72 * 36)
        for (index, shape) in allShapes.enumerated() {
            let (x0, x1, y0, y1) = (Self.column(shape.box.minX), Self.column(shape.box.maxX), Self.row(shape.box.minY), Self.row(shape.box.maxY))
            for row in y0...y1 {
                for column in x0...x1 { grid[row * 72 + column].append(Int32(index)) }
            }
        }
        self.grid = grid
    }

    /// A resource of the module, decoded; nil when it is missing or unreadable. Decoded rather than read through
    /// JSONSerialization, whose numbers go through NSNumber: loading the atlas took a fifth of a second, and the first
    /// check of every process waits for it.
    private static func decode<File: Decodable>(_ type: File.Type, resource: String, extension: String) -> File? {
        guard let url = Bundle.module.url(forResource: resource, withExtension: `extension`), let data = try? Data(contentsOf: url)
        else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    /// The parts of Debian iso-codes' `iso_3166-1.json` the atlas reads.
    private struct ISOCodes: Decodable {
        struct Entry: Decodable {
            let alpha2, alpha3, name, commonName, officialName: String?

            enum CodingKeys: String, CodingKey {
                case alpha2 = "alpha_2", alpha3 = "alpha_3", name, commonName = "common_name", officialName = "official_name"
            }
        }

        let countries: [Entry]

        enum CodingKeys: String, CodingKey { case countries = "3166-1" }
    }

    /// The parts of a Natural Earth GeoJSON file of countries the atlas reads.
    private struct NaturalEarth: Decodable {
        struct Feature: Decodable {
            struct Properties: Decodable {
                let alpha3, name: String?

                enum CodingKeys: String, CodingKey { case alpha3 = "iso_a3", name }
            }

            struct Geometry: Decodable {
                /// Polygons, each of rings: a MultiPolygon's, a Polygon's one, or none for any other type.
                let polygons: [[Points]]

                enum CodingKeys: String, CodingKey { case type, coordinates }

                init(from decoder: any Decoder) throws {
                    let container = try decoder.container(keyedBy: CodingKeys.self)
                    polygons = switch try container.decode(String.self, forKey: .type) {
                    case "MultiPolygon": try container.decode([[Points]].self, forKey: .coordinates)
                    case "Polygon": [try container.decode([Points].self, forKey: .coordinates)]
                    default: []
                    }
                }
            }

            let properties: Properties?
            let geometry: Geometry?
        }

        /// A ring's [longitude, latitude] points, read straight into a list of each: decoding each point as an array
        /// of its own took twice as long.
        struct Points: Decodable {
            var xs: [Double] = [], ys: [Double] = []

            init(from decoder: any Decoder) throws {
                var points = try decoder.unkeyedContainer()
                while !points.isAtEnd {
                    var point = try points.nestedUnkeyedContainer()
                    xs.append(try point.decode(Double.self))
                    ys.append(try point.decode(Double.self))
                }
            }
        }

        let features: [Feature]
    }

    /// Names records use that neither list gives: former names, and short forms.
    static let aliases: [String: String] = [
        "Swaziland": "SZ", "Burma": "MM", "Ivory Coast": "CI", "Cote d'Ivoire": "CI", "Zaire": "CD", "Ceylon": "LK",
        "Democratic Republic of the Congo": "CD", "DR Congo": "CD", "Republic of the Congo": "CG", "Congo-Brazzaville": "CG",
        "Congo-Kinshasa": "CD", "Turkey": "TR", "Russia": "RU", "USA": "US", "U.S.A.": "US", "United States of America": "US",
        "UK": "GB", "Great Britain": "GB", "Britain": "GB", "England": "GB", "Scotland": "GB", "Wales": "GB",
        "Northern Ireland": "GB", "Holland": "NL", "The Netherlands": "NL", "Czech Republic": "CZ", "Macedonia": "MK",
        "Vatican": "VA", "Vatican City": "VA", "Palestine": "PS", "Micronesia": "FM", "East Timor": "TL",
        "Cape Verde": "CV", "The Gambia": "GM", "The Bahamas": "BS", "Brunei": "BN", "Falkland Islands": "FK",
        "Reunion": "RE", "Curacao": "CW", "Saint Helena": "SH", "St. Helena": "SH",
    ]

    /// Lower case, without accents, spaces or punctuation: "México" and "mexico" are the same name.
    static func fold(_ name: String) -> String {
        let plain = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
        return String(String.UnicodeScalarView(plain.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }))
    }

    // MARK: Codes and names

    /// The country of a valid ISO 3166-1 alpha-2 code (or XZ, ZZ, XK), exactly as written (upper case).
    public func country(code: String) -> Country? { byAlpha2[code] }

    /// Whether the code is one `country(code:)` knows, without copying out its country: the checks ask of every record.
    public func knows(code: String) -> Bool { Self.slot(of: code).map { known[$0] } ?? false }

    /// Where a code of two upper-case ASCII letters goes in a table of 26 × 26; nil for anything else, which no
    /// alpha-2 code is.
    private static func slot(of code: String) -> Int? {
        var code = code
        return code.withUTF8 { bytes in
            guard bytes.count == 2, (65...90).contains(bytes[0]), (65...90).contains(bytes[1]) else { return nil }
            return Int(bytes[0] - 65) * 26 + Int(bytes[1] - 65)
        }
    }

    /// The alpha-2 code a non-standard code stands for: lower case, alpha-3 ("GRL"), or a country name ("Austria").
    public func alpha2(forNonStandardCode code: String) -> String? {
        let upper = code.uppercased()
        if byAlpha2[upper] != nil { return upper }
        if let a2 = byAlpha3[upper] { return a2 }
        return alpha2(forName: code)
    }

    /// Whether the name is one of the code's exact names: then `alpha2(forName: name)` is `code`.
    public func isExactName(_ name: String, of code: String) -> Bool {
        Self.slot(of: code).map { exactNames[$0].contains(name) } ?? false
    }

    /// The alpha-2 code of a country name, in any of the forms ISO 3166, Natural Earth or common use give it.
    public func alpha2(forName name: String) -> String? {
        if let code = byExactName[name] { return code }
        return byFoldedName[Self.fold(name)]
    }

    // MARK: Geometry

    /// The country's outline; nil for none (Natural Earth 1:110m leaves out small countries: Singapore, Mauritius,
    /// most islands). A check asks one outline about several points: it looks the code up once.
    func outline(_ code: String) -> Shape? { Self.slot(of: code).flatMap { outlines[$0] } }

    /// The countries whose outlines contain the point.
    public func countries(containingLatitude latitude: Double, longitude: Double) -> [String] {
        guard abs(latitude) <= 90, abs(longitude) <= 180 else { return [] }
        return grid[Self.row(latitude) * 72 + Self.column(longitude)].compactMap { index in
            let shape = allShapes[Int(index)]
            return shape.contains(x: longitude, y: latitude) ? shape.code : nil
        }
    }

    private static func column(_ longitude: Double) -> Int { min(71, max(0, Int(((longitude + 180) / cellDegrees).rounded(.down)))) }
    private static func row(_ latitude: Double) -> Int { min(35, max(0, Int(((latitude + 90) / cellDegrees).rounded(.down)))) }

    static let kilometresPerDegree = 111.195

    struct Box: Sendable {
        var minX = Double.infinity, maxX = -Double.infinity, minY = Double.infinity, maxY = -Double.infinity

        mutating func add(x: Double, y: Double) {
            minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
        }

        func contains(x: Double, y: Double) -> Bool { x >= minX && x <= maxX && y >= minY && y <= maxY }

        /// Squared distance from the point to the box, with longitudes scaled by `scale`.
        func squaredDistance(x: Double, y: Double, scale: Double) -> Double {
            let dx = max(minX - x, 0, x - maxX) * scale, dy = max(minY - y, 0, y - maxY)
            return dx * dx + dy * dy
        }
    }

    struct Ring: Sendable {
        static let chunk = 16
        let xs: [Double]
        let ys: [Double]
        let box: Box
        /// The box of each run of `chunk` edges, so that distances skip the edges that cannot be nearer.
        let chunkBoxes: [Box]

        init(xs: [Double], ys: [Double]) {
            precondition(xs.count == ys.count)
            self.xs = xs
            self.ys = ys
            var box = Box(), chunks: [Box] = []
            for (i, (x, y)) in zip(xs, ys).enumerated() {
                box.add(x: x, y: y)
                if i % Self.chunk == 0 {
                    if let last = chunks.indices.last { chunks[last].add(x: x, y: y) }  // the edge that ends here
                    chunks.append(Box())
                }
                chunks[chunks.count - 1].add(x: x, y: y)
            }
            self.box = box
            self.chunkBoxes = chunks
        }

        /// Crossings of a ray from the point towards +x (even-odd rule). Runs of edges whose box the ray misses are
        /// skipped: all below or above it, or all to its left (by more than the rounding of a crossing's x can add).
        func crossings(x: Double, y: Double) -> Int {
            guard box.contains(x: x, y: y) else { return 0 }
            var count = 0
            xs.withUnsafeBufferPointer { xs in
                ys.withUnsafeBufferPointer { ys in
                    func cross(_ i: Int, _ j: Int) {
                        if let cross = Self.crossing(xs[i], ys[i], xs[j], ys[j], y: y), x < cross { count += 1 }
                    }
                    guard xs.count > 0 else { return }
                    cross(0, xs.count - 1)
                    for (c, chunkBox) in chunkBoxes.enumerated() where y >= chunkBox.minY && y <= chunkBox.maxY && x <= chunkBox.maxX + 1e-9 {
                        let first = c * Self.chunk + 1, last = min(xs.count - 1, (c + 1) * Self.chunk)
                        guard first <= last else { continue }
                        for i in first...last { cross(i, i - 1) }
                    }
                }
            }
            return count
        }

        /// Where each edge that a line across at `y` crosses meets it (its x), as `crossings(x:y:)` counts them.
        func crossings(alongY y: Double, into found: inout [Double]) {
            func cross(_ i: Int, _ j: Int) {
                if let cross = Self.crossing(xs[i], ys[i], xs[j], ys[j], y: y) { found.append(cross) }
            }
            guard xs.count > 0 else { return }
            cross(0, xs.count - 1)
            for i in xs.indices.dropFirst() { cross(i, i - 1) }
        }

        /// Where the edge from (xi, yi) to (xj, yj) meets the line across at `y`, when it crosses it: one rule, and one
        /// rounding, for both counts of crossings, so that the raster and the count for a point agree.
        @inline(__always)
        private static func crossing(_ xi: Double, _ yi: Double, _ xj: Double, _ yj: Double, y: Double) -> Double? {
            (yi > y) != (yj > y) ? xi + (y - yi) * (xj - xi) / (yj - yi) : nil
        }

        /// Lowers `best` (a squared distance in degrees of latitude, longitudes scaled by `scale`) to the squared
        /// distance to the nearest edge, where that is nearer.
        func nearest(x: Double, y: Double, scale: Double, best: inout Double) {
            guard xs.count > 1, box.squaredDistance(x: x, y: y, scale: scale) < best else { return }
            xs.withUnsafeBufferPointer { xs in
                ys.withUnsafeBufferPointer { ys in
                    for (c, chunkBox) in chunkBoxes.enumerated() where chunkBox.squaredDistance(x: x, y: y, scale: scale) < best {
                        let first = c * Self.chunk + 1, last = min(xs.count - 1, (c + 1) * Self.chunk)
                        guard first <= last else { continue }
                        for i in first...last {
                            let ax = (xs[i - 1] - x) * scale, ay = ys[i - 1] - y
                            let bx = (xs[i] - x) * scale, by = ys[i] - y
                            let dx = bx - ax, dy = by - ay
                            let length = dx * dx + dy * dy
                            let t = length == 0 ? 0 : min(1, max(0, -(ax * dx + ay * dy) / length))
                            let px = ax + t * dx, py = ay + t * dy
                            best = min(best, px * px + py * py)
                        }
                    }
                }
            }
        }
    }

    /// A country's outline. A class, so that looking one up shares it rather than copying its arrays.
    final class Shape: Sendable {
        let code: String
        let rings: [Ring]
        let box: Box
        /// The shape's box in `rasterSize` × `rasterSize` cells, row by row from the south-west: each wholly inside
        /// the shape, wholly outside, or met by an edge. Most points fall in one of the first two and need no count
        /// of crossings (an import of 200,000 records spent a fifth of its checks counting them).
        private let cells: [Cell]
        private static let rasterSize = 64

        enum Cell: UInt8 { case inside, outside, edge }

        init(code: String, rings: [Ring]) {
            self.code = code
            self.rings = rings
            var box = Box()
            for ring in rings {
                box.add(x: ring.box.minX, y: ring.box.minY)
                box.add(x: ring.box.maxX, y: ring.box.maxY)
            }
            self.box = box
            let size = Self.rasterSize
            var cells = [Cell](repeating: .outside, count: size * size)
            var met = [Bool](repeating: false, count: size * size)
            // Every cell an edge's box meets: a superset of the cells the edge passes through.
            for ring in rings where ring.xs.count > 1 {
                for i in 1..<ring.xs.count {
                    let columns = Self.cell(min(ring.xs[i - 1], ring.xs[i]), box.minX, box.maxX)...Self.cell(max(ring.xs[i - 1], ring.xs[i]), box.minX, box.maxX)
                    for row in Self.cell(min(ring.ys[i - 1], ring.ys[i]), box.minY, box.maxY)...Self.cell(max(ring.ys[i - 1], ring.ys[i]), box.minY, box.maxY) {
                        for column in columns { met[row * size + column] = true }
                    }
                }
            }
            // No edge crosses the rest, so each lies on one side: the side of its centre. The centres of a row are on one
            // line, whose crossings are found once: the edges it crosses, and where, as `Ring.crossings` finds them.
            let width = (box.maxX - box.minX) / Double(size), height = (box.maxY - box.minY) / Double(size)
            var crossings: [Double] = []
            for row in 0..<size {
                let y = box.minY + (Double(row) + 0.5) * height
                crossings.removeAll(keepingCapacity: true)
                for ring in rings { ring.crossings(alongY: y, into: &crossings) }
                crossings.sort()
                // The crossings east of the centre, counted down as the centres move east.
                var west = 0
                for column in 0..<size {
                    let index = row * size + column
                    let x = box.minX + (Double(column) + 0.5) * width
                    while west < crossings.count, crossings[west] <= x { west += 1 }
                    cells[index] = met[index] ? .edge : (crossings.count - west) % 2 == 1 ? .inside : .outside
                }
            }
            self.cells = cells
        }

        /// The row or column of the raster that a coordinate falls in, along a side from `low` to `high`.
        private static func cell(_ value: Double, _ low: Double, _ high: Double) -> Int {
            guard high > low else { return 0 }
            return min(rasterSize - 1, max(0, Int(((value - low) / (high - low) * Double(rasterSize)).rounded(.down))))
        }

        private static func crossings(_ rings: [Ring], x: Double, y: Double) -> Int {
            rings.reduce(0) { $0 + $1.crossings(x: x, y: y) }
        }

        func contains(x: Double, y: Double) -> Bool {
            guard box.contains(x: x, y: y) else { return false }
            switch cells[Self.cell(y, box.minY, box.maxY) * Self.rasterSize + Self.cell(x, box.minX, box.maxX)] {
            case .inside: return true
            case .outside: return false
            case .edge: return containsByCrossings(x: x, y: y)
            }
        }

        /// The even-odd rule over every ring, without the raster.
        func containsByCrossings(x: Double, y: Double) -> Bool {
            box.contains(x: x, y: y) && Self.crossings(rings, x: x, y: y) % 2 == 1
        }

        /// Whether the point is inside the outline.
        func contains(latitude: Double, longitude: Double) -> Bool { contains(x: longitude, y: latitude) }

        /// Approximate distance in kilometres from the point to the outline (0 inside it).
        func distanceKilometres(latitude: Double, longitude: Double) -> Double {
            if contains(x: longitude, y: latitude) { return 0 }
            return distanceDegrees(x: longitude, y: latitude) * CountryAtlas.kilometresPerDegree
        }

        /// Distance to the outline in degrees of latitude; searching stops early at `limit` (nothing nearer than it
        /// is looked for past it), so `distance(…, limit: d) < d` answers "within d?" quickly.
        func distanceDegrees(x: Double, y: Double, limit: Double = .infinity) -> Double {
            let scale = cos(y * .pi / 180)
            var best = limit * limit
            for ring in rings { ring.nearest(x: x, y: y, scale: scale, best: &best) }
            return best.squareRoot()
        }
    }
}
