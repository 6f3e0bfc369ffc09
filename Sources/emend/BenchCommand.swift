import ArgumentParser
import EmendCore
import EmendInterchange
import EmendServer
import EmendStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks on generated data; run them on a release build.",
        subcommands: [ImportBench.self, ModerationBench.self, AuditBench.self, ExportBench.self, QualityBench.self, MapsBench.self])

    struct ImportBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a specimen CSV into fresh databases, then replay and verify; prints medians.",
            discussion: "Make the CSV with ../shared/bench/gen_specimens.py --n 1000000 --seed 42 --out specimens.csv")

        @Argument(help: "The specimen CSV.") var csv: String
        @Option(help: "How many runs of each step.") var runs = 3
        @Option(help: "Where the databases go.") var workdir = FileManager.default.temporaryDirectory.path

        func run() throws {
            var importTimes: [Double] = [], replayTimes: [Double] = [], verifyTimes: [Double] = []
            var rows = 0, events: Int64 = 0, bytes: UInt64 = 0, importPeak = ""
            for run in 1...runs {
                let path = "\(workdir)/emend-bench-\(run).sqlite"
                for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                let store = try Store(path: path)
                var source = try DarwinCoreSource.open(path: csv)
                var start = Date()
                let summary = try store.importRecords(
                    from: &source,
                    source: ImportSource(datasetID: "bench", title: "bench", source: csv, terms: source.terms, unknownTerms: [], replacedTerms: [:]))
                importTimes.append(Date().timeIntervalSince(start))
                // Readers map the database file, so verify's mapped pages would count as resident: the import's own
                // peak is read before anything else runs.
                if run == 1 { importPeak = peakRSS() }
                rows = summary.rows
                start = Date()
                events = try store.replay()
                replayTimes.append(Date().timeIntervalSince(start))
                start = Date()
                _ = try store.verify()
                verifyTimes.append(Date().timeIntervalSince(start))
                _ = try store.writer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
                bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
                say(String(format: "run %d: import %.2f s, replay %.2f s, verify %.2f s", run, importTimes.last!, replayTimes.last!, verifyTimes.last!))
                for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            say(String(format: "import: %d rows, median %.2f s = %.0f records/s", rows, median(importTimes), Double(rows) / median(importTimes)))
            say(String(format: "replay: %d events, median %.2f s = %.0f events/s", events, median(replayTimes), Double(events) / median(replayTimes)))
            say(String(format: "verify: median %.2f s = %.0f events/s", median(verifyTimes), Double(events) / median(verifyTimes)))
            say(String(format: "database: %.0f MB (%.0f MB per million records)", Double(bytes) / 1e6, Double(bytes) / 1e6 / Double(rows) * 1e6))
            say("peak RSS: import \(importPeak); whole bench, counting verify's mapped database pages, \(peakRSS())")
        }

        private func peakRSS() -> String {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            return status.split(separator: "\n").first { $0.hasPrefix("VmHWM") }?.split(separator: ":").last?
                .trimmingCharacters(in: .whitespaces) ?? "unknown"
        }
    }
}

/// Unbuffered, so each run's line shows as it finishes even when written to a file.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Serves `store` on 127.0.0.1 from this process for a benchmark, and waits until it answers; cancel the task to stop it.
func serveForBench(_ store: Store, port: Int, bcryptCost: UInt8 = 12) async throws -> (server: Task<Void, any Error>, base: URL) {
    let server = Task {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: port, bcryptCost: bcryptCost)
        configuration.qualityBot = false
        let app = try await buildApplication(store: store, configuration: configuration)
        try await app.runService()
    }
    let base = URL(string: "http://127.0.0.1:\(port)")!
    try await waitForServer(base)
    return (server, base)
}

/// Waits up to ten seconds for a server started in this process to answer `/health`.
func waitForServer(_ base: URL) async throws {
    for _ in 0..<100 {
        if let (_, response) = try? await URLSession.shared.data(from: base.appendingPathComponent("health")),
            (response as? HTTPURLResponse)?.statusCode == 200
        {
            return
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw ValidationError("the server did not start at \(base)")
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
