import EmendCore
import Foundation
import NIOCore

/// The formats a search downloads as.
public enum ExportFormat: String, CaseIterable, Sendable {
    case csv, tsv, dwca, geojson, ndjson

    public var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .tsv: "text/tab-separated-values; charset=utf-8"
        case .dwca: "application/zip"
        case .geojson: "application/geo+json"
        case .ndjson: "application/x-ndjson"
        }
    }

    public var fileExtension: String {
        switch self {
        case .csv: "csv"
        case .tsv: "tsv"
        case .dwca: "zip"
        case .geojson: "geojson"
        case .ndjson: "ndjson"
        }
    }

    /// A ZIP is deflated already; the others gzip well.
    public var compressible: Bool { self != .dwca }
}

/// What a download says about itself, in a Darwin Core Archive's `eml.xml` and `citation.txt`.
public struct ExportMetadata: Sendable {
    /// "Specimen records matching …".
    public var title: String
    /// The search, as a reader would say it.
    public var query: String
    /// Where the same search runs again, as of the same seq.
    public var url: String
    /// The log position the records are read as of.
    public var seq: Int64
    public var created: Timestamp
    /// The citation text, and the DOI-shaped identifier when the download was cited.
    public var citation: String
    public var identifier: String?

    public init(title: String, query: String, url: String, seq: Int64, created: Timestamp, citation: String, identifier: String? = nil) {
        self.title = title
        self.query = query
        self.url = url
        self.seq = seq
        self.created = created
        self.citation = citation
        self.identifier = identifier
    }
}

/// A record held a term that is not among the download's columns: the columns are wrong, and the download stops
/// rather than drop the value.
public struct UnexpectedTerm: Error, CustomStringConvertible {
    public let record: String
    public let term: String
    public var description: String { "record \(record) holds \(term), which is not among the download's columns" }
}

/// Writes records, one after another, as a download in one of the formats. Columns are fixed before the first
/// record, so the output streams: `begin`, then `add` for each record, then `finish`, each appending to a buffer
/// that the caller sends on.
///
/// - CSV (RFC 4180, CRLF) and TSV (the same quoting, tab-separated): the columns `id`, `version`, `dataset`, then
///   the terms. A value with the delimiter, a quote or a line break is quoted, with quotes doubled; nothing is lost.
/// - Darwin Core Archive: the archive's `occurrence.txt` (CSV, `\n` line ends, the Emend record id in column 0), which
///   `DarwinCoreArchiveWriter` packs with `meta.xml`, `eml.xml` and `citation.txt`: deflating it is a stage of its own,
///   so that it can run beside this one.
/// - GeoJSON: a FeatureCollection; each record a Feature with its id, a Point where it has valid coordinates
///   (else a null geometry), and its terms, version and dataset as properties.
/// - NDJSON: each record as the API gives it in a search, one a line.
public struct RecordExporter {
    public let format: ExportFormat
    public let terms: [String]
    public private(set) var count = 0
    private let column: [String: Int]
    /// Column indexes in the byte order of their names, which is the order canonical JSON gives a record's keys: one
    /// walk through both finds each value's column.
    private let columnsByName: [(name: [UInt8], index: Int)]
    /// The record being written: the UTF-8 of its values, and where each column's value lies in it.
    private var valueBytes: [UInt8] = []
    private var cells: [Range<Int>?]

    public init(format: ExportFormat, terms: [String]) {
        self.format = format
        self.terms = terms
        column = Dictionary(terms.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        columnsByName = terms.enumerated().map { (Array($1.utf8), $0) }.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        cells = Array(repeating: nil, count: terms.count)
    }

    public mutating func begin(into out: inout ByteBuffer) {
        switch format {
        case .csv, .tsv:
            Self.writeLine(["id", "version", "dataset"] + terms, delimiter: delimiter, lineEnd: lineEnd, into: &out)
        case .dwca:
            Self.writeLine(["id"] + terms, delimiter: delimiter, lineEnd: lineEnd, into: &out)
        case .geojson:
            out.writeString(#"{"type":"FeatureCollection","features":["#)
        case .ndjson:
            break
        }
    }

    /// `flagsJSON`: the record's quality flags as the read model keeps them (a JSON array, nil for none).
    public mutating func add(
        id: String, version: Int64, dataset: String, fieldsJSON: String, flagsJSON: String?, into out: inout ByteBuffer
    ) throws {
        defer { count += 1 }
        if format == .ndjson {
            out.writeString(#"{"dataset":"#)
            out.writeBytes(CanonicalJSON.encode(.string(dataset)))
            out.writeString(#","fields":"#)
            out.writeString(fieldsJSON)
            out.writeString(#","flags":"#)
            out.writeString(flagsJSON ?? "[]")
            out.writeString(#","id":"#)
            out.writeBytes(CanonicalJSON.encode(.string(id)))
            out.writeString(#","version":\#(version)}"#)
            out.writeInteger(UInt8(ascii: "\n"))
            return
        }
        try readCells(id: id, fieldsJSON: fieldsJSON)
        switch format {
        case .csv, .tsv:
            Self.writeRow(
                [id, String(version), dataset], cells: cells, values: valueBytes, delimiter: delimiter, lineEnd: lineEnd, into: &out)
        case .dwca:
            Self.writeRow([id], cells: cells, values: valueBytes, delimiter: delimiter, lineEnd: lineEnd, into: &out)
        case .geojson:
            writeFeature(id: id, version: version, dataset: dataset, into: &out)
        case .ndjson:
            break
        }
    }

    public mutating func finish(into out: inout ByteBuffer) {
        if format == .geojson { out.writeString("]}\n") }
    }

    /// Finds the record's value of each column. Canonical JSON of string values without escapes (nearly every
    /// record) is read where it lies; anything else is parsed, and its values laid end to end in `valueBytes`.
    private mutating func readCells(id: String, fieldsJSON: String) throws {
        for index in cells.indices { cells[index] = nil }
        valueBytes.removeAll(keepingCapacity: true)
        valueBytes.append(contentsOf: fieldsJSON.utf8)
        if locateCanonicalValues() { return }
        for index in cells.indices { cells[index] = nil }
        valueBytes.removeAll(keepingCapacity: true)
        var stray: String?
        var located: [(Int, Range<Int>)] = []
        var text = fieldsJSON, bytes: [UInt8] = []
        let column = column
        try text.withUTF8 { json in
            try JSONParser.forEachMember(json) { term, parser throws(JSONParser.Failure) in
                let value = try parser.readValue()
                guard let index = column[term] else { return stray = term }
                guard let string = value.stringValue else { return }
                located.append((index, bytes.count..<(bytes.count + string.utf8.count)))
                bytes.append(contentsOf: string.utf8)
            }
        }
        if let stray { throw UnexpectedTerm(record: id, term: stray) }
        valueBytes = bytes
        for (index, range) in located { cells[index] = range }
    }

    /// Reads `valueBytes` as `{"term":"value",…}` in canonical order with no escapes, noting where each value lies;
    /// false when it is not that, or holds a term that is not a column.
    private mutating func locateCanonicalValues() -> Bool {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        return valueBytes.withUnsafeBufferPointer { b in
            let n = b.count
            guard n >= 2, b[0] == UInt8(ascii: "{") else { return false }
            if b[1] == UInt8(ascii: "}") { return n == 2 }
            var i = 1, next = 0
            while true {
                guard i < n, b[i] == quote else { return false }
                var j = i + 1
                while j < n, b[j] != quote {
                    if b[j] == backslash { return false }
                    j += 1
                }
                let key = UnsafeBufferPointer(rebasing: b[(i + 1)..<min(j, n)])
                guard j + 2 < n, b[j + 1] == UInt8(ascii: ":"), b[j + 2] == quote else { return false }
                var k = j + 3
                while k < n, b[k] != quote {
                    if b[k] == backslash { return false }
                    k += 1
                }
                guard k + 1 < n else { return false }
                while next < columnsByName.count, Self.compare(columnsByName[next].name, key) < 0 { next += 1 }
                guard next < columnsByName.count, Self.compare(columnsByName[next].name, key) == 0 else { return false }
                cells[columnsByName[next].index] = (j + 3)..<k
                i = k + 1
                if b[i] == UInt8(ascii: "}") { return i + 1 == n }
                guard b[i] == UInt8(ascii: ",") else { return false }
                i += 1
            }
        }
    }

    /// Byte order, as memcmp gives it: the generic comparisons of sequences went element by element, a tenth of the time.
    private static func compare(_ name: [UInt8], _ key: UnsafeBufferPointer<UInt8>) -> Int {
        name.withUnsafeBufferPointer { name in
            let common = min(name.count, key.count)
            let order = common == 0 ? 0 : Int(memcmp(name.baseAddress!, key.baseAddress!, common))
            return order != 0 ? order : name.count - key.count
        }
    }

    /// The value of column `index` of the record being written.
    private func cell(_ index: Int) -> String? {
        cells[index].map { String(decoding: valueBytes[$0], as: UTF8.self) }
    }

    private var delimiter: UInt8 { format == .tsv ? UInt8(ascii: "\t") : UInt8(ascii: ",") }
    private var lineEnd: String { format == .dwca ? "\n" : "\r\n" }

    // The writers below are static, given what they read: a method of `self` writing into one of its own buffers
    // (`rows`) would hold a second reference to that buffer, and every write would copy it whole.

    /// One line of cells: a header's names, or an extension row's values.
    static func writeLine(_ cells: [String], delimiter: UInt8, lineEnd: String, into out: inout ByteBuffer) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { out.writeInteger(delimiter) }
            writeCell(cell.utf8, delimiter: delimiter, into: &out)
        }
        out.writeString(lineEnd)
    }

    /// The record's leading cells (its id, and for CSV and TSV its version and dataset), then its values in column
    /// order, and the line end.
    private static func writeRow(
        _ leading: [String], cells: [Range<Int>?], values: [UInt8], delimiter: UInt8, lineEnd: String, into out: inout ByteBuffer
    ) {
        for (index, text) in leading.enumerated() {
            if index > 0 { out.writeInteger(delimiter) }
            writeCell(text.utf8, delimiter: delimiter, into: &out)
        }
        values.withUnsafeBufferPointer { bytes in
            for range in cells {
                out.writeInteger(delimiter)
                if let range { writeCell(UnsafeBufferPointer(rebasing: bytes[range]), delimiter: delimiter, into: &out) }
            }
        }
        out.writeString(lineEnd)
    }

    /// A value, quoted when it holds the delimiter, a quote or a line break, with its quotes doubled (RFC 4180).
    private static func writeCell(_ value: some Collection<UInt8>, delimiter: UInt8, into out: inout ByteBuffer) {
        let quote = UInt8(ascii: "\"")
        guard value.contains(where: { $0 == delimiter || $0 == quote || $0 == 10 || $0 == 13 }) else {
            out.writeBytes(value)
            return
        }
        out.writeInteger(quote)
        for byte in value {
            if byte == quote { out.writeInteger(quote) }
            out.writeInteger(byte)
        }
        out.writeInteger(quote)
    }

    private mutating func writeFeature(id: String, version: Int64, dataset: String, into out: inout ByteBuffer) {
        if count > 0 { out.writeInteger(UInt8(ascii: ",")) }
        var properties: [String: JSONValue] = ["version": .int(version), "dataset": .string(dataset)]
        for (index, term) in terms.enumerated() { if let value = cell(index) { properties[term] = .string(value) } }
        out.writeString(#"{"type":"Feature","id":"#)
        out.writeBytes(CanonicalJSON.encode(.string(id)))
        out.writeString(#","geometry":"#)
        if let point = point() {
            out.writeString(#"{"type":"Point","coordinates":[\#(point.longitude),\#(point.latitude)]}"#)
        } else {
            out.writeString("null")
        }
        out.writeString(#","properties":"#)
        out.writeBytes(CanonicalJSON.encode(.object(properties)))
        out.writeInteger(UInt8(ascii: "}"))
    }

    /// The record's coordinates, when both are numbers in range.
    private func point() -> (latitude: Double, longitude: Double)? {
        guard let latitudeColumn = column["decimalLatitude"], let longitudeColumn = column["decimalLongitude"],
            let latitude = cell(latitudeColumn).flatMap(Double.init), let longitude = cell(longitudeColumn).flatMap(Double.init),
            (-90...90).contains(latitude), (-180...180).contains(longitude)
        else { return nil }
        return (latitude, longitude)
    }
}
