import ArgumentParser
import EmendInterchange
import EmendServer
import EmendStore
import Foundation

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Download the records of a search as CSV, TSV, a Darwin Core Archive, GeoJSON or NDJSON.",
        discussion: """
            The search takes the parameters of GET /api/records (q, dataset, country, year, bbox, asOf, …) as one query
            string, e.g. --search 'country=Ghana&year=1900..1950'. The records are read as of one log position: the
            search's asOf, else where the log ends when the export starts, which it prints.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "csv, tsv, dwca, geojson or ndjson.") var format: String
    @Option(help: "The search, as a query string (default: every record).") var search: String = ""
    @Option(help: "Write to this file instead of standard output.") var out: String?
    @Option(help: "Where the site is, for the links in the metadata.") var publicURL = "http://127.0.0.1:8080"

    func run() async throws {
        guard let exportFormat = ExportFormat(rawValue: format) else {
            throw fail("--format: one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(format)\"")
        }
        let parameters = URLComponents(string: "?" + search)?.queryItems?.map { ($0.name, $0.value ?? "") } ?? []
        let store = try database.open()
        let download: Download
        do {
            download = try Download(format: exportFormat, parameters: parameters, store: store, baseURL: publicURL)
        } catch {
            throw fail("--search: \(error)")
        }
        let path = out ?? "/dev/stdout"
        guard FileManager.default.createFile(atPath: path, contents: nil) || out == nil, let handle = FileHandle(forWritingAtPath: path)
        else { throw fail("cannot write \(path)") }
        let count = try await download.write(store: store) { piece in
            piece.withUnsafeReadableBytes { handle.write(Data($0)) }
        }
        try handle.close()
        FileHandle.standardError.write(Data("Exported \(count) records as of seq \(download.seq)\n".utf8))
    }
}
