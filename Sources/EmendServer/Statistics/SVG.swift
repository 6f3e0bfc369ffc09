import EmendCore
import EmendStore
import Foundation

/// Maps and charts drawn by the server as SVG text, for pages to include as they are. Everything that comes from
/// data (labels, links) is escaped here, since the templates include this text unescaped.
enum SVG {
    static let escape = XMLText.escape

    /// Degrees and other coordinates without floating-point noise or trailing zeros: 5, -0.5, 179.9.
    static func number(_ value: Double) -> String {
        let rounded = (value * 1e6).rounded() / 1e6
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        // The shortest text that reads back as the same number: 51.6, not 51.600000000000001.
        if abs(rounded) >= 0.001 { return rounded.description }
        var text = String(format: "%.6f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    // MARK: Maps

    /// Sequential colours (ColorBrewer YlOrRd), one per class of counts: 1, 2–10, 11–100, …
    static let palette = ["#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026", "#800026"]

    /// The class of a count: 0 for 1, then one per power of ten.
    static func colourClass(_ count: Int) -> Int {
        guard count > 1 else { return 0 }
        return min(palette.count - 1, Int(log10(Double(count - 1)).rounded(.down)) + 1)
    }

    /// The legend's classes up to the largest count: label and colour.
    static func legend(upTo largest: Int) -> [(label: String, colour: String)] {
        (0...colourClass(max(1, largest))).map { index in
            let label: String
            if index == 0 {
                label = "1"
            } else if index == palette.count - 1 {
                label = "over " + count(Int(pow(10, Double(index - 1))))
            } else {
                label = count(Int(pow(10, Double(index - 1))) + 1) + "–" + count(Int(pow(10, Double(index))))
            }
            return (label, palette[index])
        }
    }

    /// The view a map of `extent` shows: the extent with a margin, at least 20° by 10°, within the world; the world
    /// when there is nothing to show.
    static func view(around extent: BoundingBox?) -> BoundingBox {
        guard let extent else { return BoundingBox(minLongitude: -180, minLatitude: -90, maxLongitude: 180, maxLatitude: 90) }
        let width = max(20, (extent.maxLongitude - extent.minLongitude) * 1.2)
        let height = max(10, (extent.maxLatitude - extent.minLatitude) * 1.2, width / 3)
        let centre = ((extent.minLongitude + extent.maxLongitude) / 2, (extent.minLatitude + extent.maxLatitude) / 2)
        func fit(_ low: Double, _ high: Double, _ limit: Double) -> (Double, Double) {
            if high - low >= 2 * limit { return (-limit, limit) }
            if low < -limit { return (-limit, -limit + high - low) }
            if high > limit { return (limit - (high - low), limit) }
            return (low, high)
        }
        let (west, east) = fit(centre.0 - width / 2, centre.0 + width / 2, 180)
        let (south, north) = fit(centre.1 - height / 2, centre.1 + height / 2, 90)
        return BoundingBox(minLongitude: west, minLatitude: south, maxLongitude: east, maxLatitude: north)
    }

    /// A density map: land, then each cell of `grid` coloured by its class, a link to `link(cell bounds)` with
    /// its count as a tooltip. Coordinates are degrees (longitude right, latitude up: the group flips y).
    static func map(_ grid: MapGrid, view: BoundingBox, label: String, link: (BoundingBox) -> String) -> String {
        var svg = open(view: view, label: label)
        let size = number(grid.cellSize)
        for cell in grid.cells {
            let box = grid.bounds(of: cell)
            let noun = cell.count == 1 ? "record" : "records"
            svg += "<a href=\"\(escape(link(box)))\"><rect x=\"\(number(box.minLongitude))\" y=\"\(number(box.minLatitude))\" "
            svg += "width=\"\(size)\" height=\"\(size)\" fill=\"\(palette[colourClass(cell.count)])\" fill-opacity=\"0.85\">"
            svg += "<title>\(count(cell.count)) \(noun) from \(number(box.minLatitude))° to \(number(box.maxLatitude))° latitude, "
            svg += "\(number(box.minLongitude))° to \(number(box.maxLongitude))° longitude</title></rect></a>"
        }
        return svg + "</g></svg>"
    }

    /// A small map of the region around a point, the point marked.
    static func locator(latitude: Double, longitude: Double, label: String, link: String) -> String {
        let view = view(around: BoundingBox(minLongitude: longitude, minLatitude: latitude, maxLongitude: longitude, maxLatitude: latitude))
        var svg = open(view: view, label: label)
        svg += "<a href=\"\(escape(link))\"><circle cx=\"\(number(longitude))\" cy=\"\(number(latitude))\" r=\"0.6\" fill=\"#b3261e\" "
        svg += "stroke=\"#fff\" stroke-width=\"0.2\"><title>\(escape(label))</title></circle></a>"
        return svg + "</g></svg>"
    }

    private static func open(view: BoundingBox, label: String) -> String {
        let width = view.maxLongitude - view.minLongitude, height = view.maxLatitude - view.minLatitude
        // In SVG y grows downwards: the view's top edge is -north.
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" role=\"img\" aria-label=\"\(escape(label))\" "
            + "viewBox=\"\(number(view.minLongitude)) \(number(-view.maxLatitude)) \(number(width)) \(number(height))\" "
            + "preserveAspectRatio=\"xMidYMid meet\"><title>\(escape(label))</title>"
            + "<rect x=\"\(number(view.minLongitude))\" y=\"\(number(-view.maxLatitude))\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"#dceaf5\"/>"
            + "<g transform=\"scale(1,-1)\"><path d=\"\(Land.path)\" fill=\"#f4f1ea\" stroke=\"#a9a294\" stroke-width=\"0.5\" "
            + "vector-effect=\"non-scaling-stroke\"/>"
    }

    // MARK: Charts

    /// Horizontal bars, one per row, longest first as given; each label and count beside its bar, which links to
    /// the row's link when it has one.
    static func bars(_ rows: [(label: String, count: Int, link: String?)], label: String) -> String {
        let largest = max(1, rows.map(\.count).max() ?? 1)
        let rowHeight = 22, labelWidth = 190, barWidth = 300, height = max(1, rows.count) * rowHeight
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"\(escape(label))\" "
        svg += "viewBox=\"0 0 \(labelWidth + barWidth + 80) \(height)\"><title>\(escape(label))</title>"
        for (index, row) in rows.enumerated() {
            let y = index * rowHeight
            let width = max(1, Int((Double(row.count) / Double(largest) * Double(barWidth)).rounded()))
            let name = row.label.count > 28 ? String(row.label.prefix(27)) + "…" : row.label
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" text-anchor=\"end\" font-size=\"12\">\(escape(name))</text>"
            let bar = "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(width)\" height=\"\(rowHeight - 8)\" fill=\"#0b5cad\"/>"
            svg += row.link.map { "<a href=\"\(escape($0))\">\(bar)</a>" } ?? bar
            svg += "<text x=\"\(labelWidth + width + 6)\" y=\"\(y + 15)\" font-size=\"12\">\(count(row.count))</text>"
        }
        return svg + "</svg>"
    }

    /// Vertical bars in order (years, weeks), the first and last labels and the largest count on the axis.
    static func columns(_ bins: [(label: String, count: Int)], label: String) -> String {
        let largest = max(1, bins.map(\.count).max() ?? 1)
        let width = 600, height = 160, bottom = 20, left = 60
        let step = Double(width - left) / Double(max(1, bins.count))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"\(escape(label))\" "
        svg += "viewBox=\"0 0 \(width) \(height + bottom)\"><title>\(escape(label))</title>"
        svg += "<text x=\"\(left - 6)\" y=\"12\" text-anchor=\"end\" font-size=\"12\">\(count(largest))</text>"
        svg += "<text x=\"\(left - 6)\" y=\"\(height)\" text-anchor=\"end\" font-size=\"12\">0</text>"
        svg += "<line x1=\"\(left)\" y1=\"\(height)\" x2=\"\(width)\" y2=\"\(height)\" stroke=\"#6e7781\"/>"
        for (index, bin) in bins.enumerated() {
            let barHeight = Double(bin.count) / Double(largest) * Double(height - 4)
            svg += "<rect x=\"\(number(Double(left) + Double(index) * step + step * 0.1))\" y=\"\(number(Double(height) - barHeight))\" "
            svg += "width=\"\(number(max(0.5, step * 0.8)))\" height=\"\(number(barHeight))\" fill=\"#0b5cad\">"
            svg += "<title>\(escape(bin.label)): \(count(bin.count))</title></rect>"
        }
        if let first = bins.first, let last = bins.last {
            svg += "<text x=\"\(left)\" y=\"\(height + 15)\" font-size=\"12\">\(escape(first.label))</text>"
            svg += "<text x=\"\(width)\" y=\"\(height + 15)\" text-anchor=\"end\" font-size=\"12\">\(escape(last.label))</text>"
        }
        return svg + "</svg>"
    }
}

/// Natural Earth's land at 1:110m (public domain; `Resources/land-110m.geojson`), as one SVG path in degrees
/// (x longitude, y latitude), made once.
enum Land {
    static let path: String = {
        guard let url = Bundle.module.url(forResource: "land-110m", withExtension: "geojson"),
            let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let features = root["features"] as? [[String: Any]]
        else { return "" }
        var path = ""
        for feature in features {
            guard let geometry = feature["geometry"] as? [String: Any], let type = geometry["type"] as? String,
                let coordinates = geometry["coordinates"] as? [Any]
            else { continue }
            let polygons = (type == "MultiPolygon" ? coordinates : [coordinates]) as? [[[[Double]]]] ?? []
            for ring in polygons.joined() {
                // A tenth of a degree is finer than a map on a page shows.
                var last = ""
                for (index, point) in ring.enumerated() where point.count >= 2 {
                    let here = SVG.number((point[0] * 10).rounded() / 10) + " " + SVG.number((point[1] * 10).rounded() / 10)
                    if here == last { continue }
                    path += (index == 0 ? "M" : "L") + here
                    last = here
                }
                path += "Z"
            }
        }
        return path
    }()
}
