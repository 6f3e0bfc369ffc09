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
/// - Darwin Core Archive: a ZIP of `meta.xml`, `occurrence.txt` (CSV, `\n` line ends, the Emend record id in
///   column 0), `eml.xml` and `citation.txt`.
/// - GeoJSON: a FeatureCollection; each record a Feature with its id, a Point where it has valid coordinates
///   (else a null geometry), and its terms, version and dataset as properties.
/// - NDJSON: each record as the API gives it in a search, one a line.
public struct RecordExporter {
    public let format: ExportFormat
    public let terms: [String]
    public let metadata: ExportMetadata
    public private(set) var count = 0
    private let column: [String: Int]
    private var cells: [String?]
    private var archive: ZipStreamWriter?
    private var rows = ByteBuffer()

    public init(format: ExportFormat, terms: [String], metadata: ExportMetadata) {
        self.format = format
        self.terms = terms
        self.metadata = metadata
        column = Dictionary(terms.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        cells = Array(repeating: nil, count: terms.count)
    }

    public mutating func begin(into out: inout ByteBuffer) throws {
        switch format {
        case .csv, .tsv:
            writeRow(["id", "version", "dataset"] + terms, into: &out)
        case .dwca:
            var zip = ZipStreamWriter(modified: metadata.created.milliseconds)
            try zip.add("meta.xml", DarwinCoreArchiveMetadata.meta(terms: terms).utf8, into: &out)
            try zip.begin("occurrence.txt", into: &out)
            self.archive = zip
            writeRow(["id"] + terms, into: &rows)
        case .geojson:
            out.writeString(#"{"type":"FeatureCollection","features":["#)
        case .ndjson:
            break
        }
    }

    public mutating func add(id: String, version: Int64, dataset: String, fieldsJSON: String, into out: inout ByteBuffer) throws {
        defer { count += 1 }
        if format == .ndjson {
            out.writeString(#"{"dataset":"#)
            out.writeBytes(CanonicalJSON.encode(.string(dataset)))
            out.writeString(#","fields":"#)
            out.writeString(fieldsJSON)
            out.writeString(#","id":"#)
            out.writeBytes(CanonicalJSON.encode(.string(id)))
            out.writeString(#","version":\#(version)}"#)
            out.writeInteger(UInt8(ascii: "\n"))
            return
        }
        try readCells(id: id, fieldsJSON: fieldsJSON)
        switch format {
        case .csv, .tsv:
            writeRow([id, String(version), dataset] + cells, into: &out)
        case .dwca:
            writeRow([id] + cells, into: &rows)
            if rows.readableBytes >= 256 * 1024 {
                try archive!.write(&rows, into: &out)
                rows.clear()
            }
        case .geojson:
            writeFeature(id: id, version: version, dataset: dataset, into: &out)
        case .ndjson:
            break
        }
    }

    public mutating func finish(into out: inout ByteBuffer) throws {
        switch format {
        case .csv, .tsv, .ndjson:
            break
        case .dwca:
            try archive!.write(&rows, into: &out)
            try archive!.end(into: &out)
            try archive!.add("eml.xml", DarwinCoreArchiveMetadata.eml(metadata, records: count).utf8, into: &out)
            try archive!.add("citation.txt", (metadata.citation + "\n").utf8, into: &out)
            try archive!.finish(into: &out)
        case .geojson:
            out.writeString("]}\n")
        }
    }

    /// The record's values in column order.
    private mutating func readCells(id: String, fieldsJSON: String) throws {
        var values = [String?](repeating: nil, count: terms.count)
        var stray: String?
        var text = fieldsJSON
        let column = column
        try text.withUTF8 { bytes in
            try JSONParser.forEachMember(bytes) { term, parser throws(JSONParser.Failure) in
                let value = try parser.readValue()
                if let index = column[term] { values[index] = value.stringValue } else { stray = term }
            }
        }
        if let stray { throw UnexpectedTerm(record: id, term: stray) }
        cells = values
    }

    private var delimiter: UInt8 { format == .tsv ? UInt8(ascii: "\t") : UInt8(ascii: ",") }
    private var lineEnd: String { format == .dwca ? "\n" : "\r\n" }

    private func writeRow(_ values: [String?], into out: inout ByteBuffer) {
        for (index, value) in values.enumerated() {
            if index > 0 { out.writeInteger(delimiter) }
            guard let value else { continue }
            let needsQuotes = value.utf8.contains { $0 == delimiter || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
            if needsQuotes {
                out.writeInteger(UInt8(ascii: "\""))
                out.writeString(value.replacingOccurrences(of: "\"", with: "\"\""))
                out.writeInteger(UInt8(ascii: "\""))
            } else {
                out.writeString(value)
            }
        }
        out.writeString(lineEnd)
    }

    private mutating func writeFeature(id: String, version: Int64, dataset: String, into out: inout ByteBuffer) {
        if count > 0 { out.writeInteger(UInt8(ascii: ",")) }
        var properties: [String: JSONValue] = ["version": .int(version), "dataset": .string(dataset)]
        for (term, value) in Swift.zip(terms, cells) { if let value { properties[term] = .string(value) } }
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
            let latitude = cells[latitudeColumn].flatMap(Double.init), let longitude = cells[longitudeColumn].flatMap(Double.init),
            (-90...90).contains(latitude), (-180...180).contains(longitude)
        else { return nil }
        return (latitude, longitude)
    }
}
