import ArgumentParser
import EmendCore
import EmendInterchange
import Foundation

/// The quality checks against records whose errors are known: precision and recall of each check that detects an
/// injected kind of error, and what the checks cost a record.
struct QualityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Run the quality checks over a specimen CSV and score them against its truth file; prints precision, recall and cost.",
        discussion: """
            Make both with ../shared/bench/gen_specimens.py --n 1000000 --seed 42 --out specimens.csv --truth errors.csv. \
            The cost is the thread's CPU time in the checks alone, not reading the file.
            """)

    @Argument(help: "The specimen CSV.") var csv: String
    @Option(help: "The generator's truth file: catalogNumber,error, a line per injected error.") var truth: String
    @Option(help: "\"Now\" for the date checks, RFC 3339 (default: 2026-12-01T00:00:00Z, so that the figures repeat).")
    var now = "2026-12-01T00:00:00Z"

    func run() throws {
        guard let now = Timestamp(rfc3339: now) else { throw ValidationError("--now: an RFC 3339 time, e.g. 2026-12-01T00:00:00Z") }
        var errors: [String: Set<String>] = [:]
        for line in try String(contentsOfFile: truth, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst() {
            let cells = line.split(separator: ",", maxSplits: 1).map(String.init)
            guard cells.count == 2 else { throw ValidationError("--truth: \"\(line)\" is not catalogNumber,error") }
            errors[cells[0], default: []].insert(cells[1])
        }
        let source = try DarwinCoreSource.open(path: csv)
        var score = QualityScore()
        var problems: [RowProblem] = []
        var checking: Int64 = 0
        while let record = try source.next(problems: &problems) {
            let start = Self.threadCPUNanoseconds()
            let flags = QualityChecks.check(RecordTerms(record.fields), now: now.milliseconds)
            checking += Self.threadCPUNanoseconds() - start
            score.add(flags: flags, errors: errors[record.fields["catalogNumber"] ?? ""] ?? [])
        }
        say(score.report())
        say(String(format: "checks: %.1f µs per record (thread CPU time, %d records)", Double(checking) / 1_000 / Double(max(1, score.records)), score.records))
    }

    private static func threadCPUNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
