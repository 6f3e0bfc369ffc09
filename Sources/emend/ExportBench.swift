import ArgumentParser
import EmendServer
import EmendStore
import Foundation
import Synchronization

/// Downloads of every record over HTTP on 127.0.0.1, timed by curl: the first byte and the whole, against a peer's
/// streaming CSV in the same run.
struct ExportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Download every record as CSV, a Darwin Core Archive and the other formats, over HTTP; prints medians.",
        discussion: """
            Run it on a database that already holds the records (e.g. 1,000,000 from ../shared/bench/gen_specimens.py). \
            It serves the database on 127.0.0.1 and downloads each format --runs times with curl, and --peer (e.g. \
            Datasette's http://127.0.0.1:8001/specimens/specimens.csv?_stream=on&_size=max from \
            ../shared/bench/peer-datasette.sh) as many times in between. Memory is the server's anonymous resident set \
            (RssAnon), sampled through the downloads: the database pages its readers map are the page cache, not its own.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Times each download is made.") var runs = 3
    @Option(help: "The port to serve on (127.0.0.1 only).") var port = 8097
    @Option(help: "Formats to download; FORMAT+gzip asks for it gzipped (Accept-Encoding: gzip).")
    var format: [String] = ["csv", "dwca", "tsv", "geojson", "ndjson", "csv+gzip"]
    @Option(help: "A peer's URL to download in the same run, e.g. Datasette's streaming CSV.") var peer: String?

    func run() async throws {
        let store = try database.open()
        let (server, base) = try await serveForBench(store, port: port)
        defer { server.cancel() }
        let largest = Mutex(0)
        let sampler = Task {
            while !Task.isCancelled {
                let now = Self.anonymousRSS()
                largest.withLock { $0 = max($0, now) }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { sampler.cancel() }
        let before = Self.anonymousRSS()
        var targets = format.map { name in
            let gzip = name.hasSuffix("+gzip")
            return (name, "\(base)/api/records/export?format=\(gzip ? String(name.dropLast(5)) : name)", gzip)
        }
        if let peer { targets.insert(("peer", peer, false), at: 1) }
        for (name, url, gzip) in targets {
            var firsts: [Double] = [], totals: [Double] = [], size = 0
            for _ in 0..<runs {
                // Off the cooperative threads, which the server's handlers run on.
                let (first, total, bytes) = try await withCheckedThrowingContinuation { continuation in
                    DispatchQueue.global().async { continuation.resume(with: Result { try Self.curl(url, gzip: gzip) }) }
                }
                firsts.append(first)
                totals.append(total)
                size = bytes
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            say(String(format: "%@: %.1f MB, first byte %.0f ms, whole %.2f s (median of %d; runs: %@)",
                name, Double(size) / 1e6, median(firsts) * 1000, median(totals), runs,
                totals.map { String(format: "%.2f", $0) }.joined(separator: ", ")))
        }
        say("server's anonymous memory: \(before / 1024) MB before, at most \(largest.withLock { $0 } / 1024) MB during the downloads")
    }

    /// Seconds to the first byte and to the last, and the bytes, of one download (as sent, when gzipped).
    private static func curl(_ url: String, gzip: Bool) throws -> (Double, Double, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-sf", "-o", "/dev/null", "-w", "%{time_starttransfer} %{time_total} %{size_download}"]
            + (gzip ? ["-H", "Accept-Encoding: gzip"] : []) + [url]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let parts = text.split(separator: " ")
        guard process.terminationStatus == 0, parts.count == 3, let first = Double(parts[0]), let total = Double(parts[1]), let size = Int(parts[2])
        else { throw ValidationError("curl \(url) failed (exit \(process.terminationStatus)): \(text)") }
        return (first, total, size)
    }

    /// The process's anonymous resident memory in KiB.
    private static func anonymousRSS() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon") }
        return line.flatMap { Int($0.split(whereSeparator: { $0 == " " || $0 == "\t" })[1]) } ?? 0
    }
}
