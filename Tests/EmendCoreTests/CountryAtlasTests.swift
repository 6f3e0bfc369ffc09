@testable import EmendCore
import Testing

@Suite struct CountryAtlasTests {
    /// The raster only skips counting crossings, and the crossings only skip runs of edges the ray misses: a point
    /// gets the same answer as from the even-odd rule over every edge.
    @Test func theRasterAndTheCrossingsAnswerAsEveryEdgeDoes() {
        // Given every outline, and points across its box (on a lattice that does not line up with the raster's
        // cells) and at and beside each of its vertices
        var points = 0, differ: [String] = []
        for shape in CountryAtlas.shared.allShapes {
            let box = shape.box
            var probes: [(Double, Double)] = []
            for i in 0..<101 {
                for j in 0..<101 {
                    probes.append((box.minX + (box.maxX - box.minX) * (Double(i) + 0.318) / 101, box.minY + (box.maxY - box.minY) * (Double(j) + 0.618) / 101))
                }
            }
            for ring in shape.rings {
                for (x, y) in zip(ring.xs, ring.ys) { probes += [(x, y), (x + 1e-9, y), (x, y - 1e-9), (x - 0.01, y + 0.01)] }
            }
            // When each is looked up
            for (x, y) in probes {
                let everyEdge = evenOdd(shape, x: x, y: y)
                if shape.contains(x: x, y: y) != everyEdge || shape.containsByCrossings(x: x, y: y) != everyEdge {
                    differ.append("\(shape.code) \(x) \(y)")
                }
            }
            points += probes.count
        }
        // Then none differs
        #expect(points > 1_000_000)
        #expect(differ.isEmpty, "\(differ.prefix(5))")
    }

    /// The even-odd rule, edge by edge over every ring.
    func evenOdd(_ shape: CountryAtlas.Shape, x: Double, y: Double) -> Bool {
        var inside = false
        for ring in shape.rings {
            var j = ring.xs.count - 1
            for i in ring.xs.indices {
                let yi = ring.ys[i], yj = ring.ys[j]
                if (yi > y) != (yj > y), x < ring.xs[i] + (y - yi) * (ring.xs[j] - ring.xs[i]) / (yj - yi) { inside.toggle() }
                j = i
            }
        }
        return inside
    }

    @Test func codesAreKnownAndOutlinedByTheirTableAsByTheirName() {
        // Given the atlas, every alpha-2 code there could be, and strings that are not codes
        let atlas = CountryAtlas.shared
        let letters = (65...90).map { String(UnicodeScalar(UInt8($0))) }
        let codes = letters.flatMap { first in letters.map { first + $0 } } + ["gb", "Gb", "GBR", "G", "", "É1", "ÉG"]

        // Then a code is known exactly when it has a country, and each outline is found by its own code
        for code in codes { #expect(atlas.knows(code: code) == (atlas.country(code: code) != nil), "\(code)") }
        #expect(codes.filter(atlas.knows).count > 240)
        for shape in atlas.allShapes { #expect(atlas.outline(shape.code) === shape) }
        #expect(atlas.outline("gb") == nil && atlas.outline("GBR") == nil && atlas.outline("") == nil)
    }

    @Test func aNameIsOneOfACodesExactNamesOnlyWhereItIsThatCodesName() {
        // Given the atlas, the names of countries in their several forms, and strings that are not names or codes
        let atlas = CountryAtlas.shared
        let letters = (65...90).map { String(UnicodeScalar(UInt8($0))) }
        let codes = letters.flatMap { first in letters.map { first + $0 } } + ["gb", "GBR", ""]
        let names = codes.compactMap(atlas.country(code:)).flatMap { [$0.name, $0.commonName, $0.name.lowercased()] }
            + ["Falkland Islands", "Burma", "United States of America", "Dem. Rep. Congo", "Ruritania", ""]

        // Then a name is one of a code's exact names only where the name lookup gives that code
        var exact = 0
        for code in codes {
            for name in names where atlas.isExactName(name, of: code) {
                #expect(atlas.alpha2(forName: name) == code, "\(name) as a name of \(code)")
                exact += 1
            }
        }
        #expect(exact > 240)
        #expect(atlas.isExactName("Falkland Islands", of: "FK") && !atlas.isExactName("France", of: "FK"))
        #expect(!atlas.isExactName("falkland islands", of: "FK") && atlas.alpha2(forName: "falkland islands") == "FK")
    }
}
