import ArgumentParser
import EmendServer
import EmendStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The maps and the statistics, over HTTP on 127.0.0.1: the grid over all records and over filtered searches, and
/// the statistics as JSON and as the page.
struct MapsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maps",
        abstract: "GET /api/map over all records and over filtered searches, GET /api/stats and /stats; over HTTP.",
        discussion: """
            Run it on a database that already holds the records (e.g. 1,000,000 from ../shared/bench/gen_specimens.py). \
            It serves the database on 127.0.0.1 and makes each request --requests times in each of --runs runs, and \
            prints each run's p50 and the median of the runs' p50s.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Times each request is made in a run.") var requests = 20
    @Option(help: "Runs.") var runs = 3
    @Option(help: "The port to serve on (127.0.0.1 only).") var port = 8097
    @Option(help: "A country to filter by.") var country = "Ghana"

    func run() async throws {
        let store = try database.open()
        let statistics = try await store.statistics()
        let family = statistics.counts[.family]?.first { !$0.value.isEmpty }
        let (server, base) = try await serveForBench(store, port: port)
        defer { server.cancel() }
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        var paths = [
            ("/api/map", "the grid over all \(statistics.records) records"),
            ("/api/map?cell=1", "the same in 1° cells"),
            ("/api/map?country=\(escape(country))", "a country's records (\(statistics.counts[.country]?.first { $0.value == country }?.count ?? 0))"),
        ]
        if let family {
            paths.append(("/api/map?family=\(escape(family.value))", "the commonest family's records (\(family.count))"))
        }
        paths += [
            ("/api/map?year=1900..1950", "a range of years"),
            ("/api/map?asOf=\(try store.lastSeq())", "all records as of the last seq"),
            ("/api/stats", "the statistics as JSON"),
            ("/api/stats?asOf=\(try store.lastSeq())", "the same as of the last seq"),
            ("/stats", "the statistics page"),
            ("/", "the home page, with the map of all records"),
            ("/search?country=\(escape(country))", "the search page of a country, with its map"),
        ]
        var medians: [String: [Double]] = [:]
        for run in 1...runs {
            for (path, label) in paths {
                var latencies: [Double] = []
                var bytes = 0
                for _ in 0..<requests {
                    let start = ContinuousClock.now
                    let (body, response) = try await URLSession.shared.data(from: URL(string: path, relativeTo: base)!)
                    let elapsed = ContinuousClock.now - start
                    guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                        throw ValidationError("\(path) gave \(String(decoding: body.prefix(300), as: UTF8.self))")
                    }
                    latencies.append(elapsed.milliseconds)
                    bytes = body.count
                }
                let percentiles = Percentiles(latencies)
                medians[path, default: []].append(percentiles.p50)
                say("run \(run): \(path) (\(label), \(bytes) bytes): \(percentiles)")
            }
        }
        for (path, label) in paths {
            let p50s = medians[path, default: []].sorted()
            say(String(format: "%@ (%@): median of %d runs' p50: %.1f ms", path, label, p50s.count, p50s[p50s.count / 2]))
        }
    }
}
