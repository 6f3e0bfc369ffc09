import ArgumentParser
import EmendCore
import EmendStore
import Foundation

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Read the event log.", subcommands: [Export.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the log as NDJSON, one event a line in seq order, with prevHash and hash.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Start after this seq.") var after: Int64 = 0
        @Option(help: "Write to this file instead of standard output.") var out: String?

        func run() throws {
            let store = try database.open()
            let path = out ?? "/dev/stdout"
            guard FileManager.default.createFile(atPath: path, contents: nil) || out == nil,
                let handle = FileHandle(forWritingAtPath: path)
            else { throw fail("cannot write \(path)") }
            var buffer = Data()
            try store.forEachEvent(after: after) { stored in
                buffer.append(contentsOf: NDJSONLog.line(stored).utf8)
                buffer.append(0x0A)
                if buffer.count > 1 << 20 {
                    handle.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            handle.write(buffer)
            try handle.close()
        }
    }
}

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the read models from the log (the database's own, or an exported one into an empty database).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "An NDJSON log export to load into an empty database; every hash is checked.") var from: String?
    @Option(help: "Rebuild the state as of this seq.") var until: Int64?

    func run() throws {
        let store = try database.open()
        let progress = Progress()
        let count: Int64
        do {
            if let from {
                guard until == nil else { throw fail("--until goes with the database's own log, not --from") }
                guard let lines = LineReader(path: from) else { throw fail("cannot read \(from)") }
                count = try store.replay(from: lines, progress: { progress.show($0, "events") })
            } else {
                count = try store.replay(until: until, progress: { progress.show($0, "events") })
            }
        } catch let error as StoreError {
            progress.finish()
            throw fail("\(error); nothing was changed")
        }
        progress.finish()
        print("Replayed \(count) events in \(String(format: "%.1f", progress.elapsed)) s")
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the hash chain and that the read models equal a replay of the log; exit 0 only if both hold.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let store = try database.open()
        let progress = Progress()
        do {
            let report = try store.verify(progress: { progress.show($1, $0) })
            progress.finish()
            var lines = ["OK: \(report.events) events chained, \(report.records) records match the log"]
            if let latest = report.latestCheckpoint {
                lines.append(
                    "\(report.checkpoints) checkpoints signed and matching the log; the latest covers \(latest.treeSize) events, root \(latest.rootHash.hexString)")
            }
            lines.append("read models checksum \(report.checksum)")
            print(lines.joined(separator: "\n"))
            try store.recordVerifyRun(ok: true, events: report.events, summary: lines.joined(separator: "\n"))
        } catch let error as StoreError {
            progress.finish()
            // Kept for the auditor console when the database still takes a write; the exit status says it either way.
            try? store.recordVerifyRun(ok: false, events: store.lastSeq(), summary: "\(error)")
            throw fail("verify failed: \(error)")
        }
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign a checkpoint of the whole log now (unless the latest covers it already) and print it as JSON.",
        discussion: """
            A checkpoint is the Merkle root (RFC 6962) of the first treeSize events, with a time, signed with the \
            database's Ed25519 key; the server signs one at least every 1,000 events and at the end of each import. \
            It prints as GET /api/checkpoints/latest answers: {"rootHash", "signature", "timestamp", "treeSize"}.
            """)

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let store = try database.open()
        do {
            print(CanonicalJSON.string(try store.checkpoint().json))
        } catch let error as StoreError {
            throw fail("\(error)")
        }
    }
}

/// Lines of a text file, numbered from 1, read in chunks.
struct LineReader: Sequence, IteratorProtocol {
    private let handle: FileHandle
    private var buffer = Data()
    private var start = 0
    private var lineNumber = 0
    private var atEnd = false

    init?(path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        self.handle = handle
    }

    mutating func next() -> (lineNumber: Int, text: String)? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = buffer[start..<newline]
                start = newline + 1
                lineNumber += 1
                return (lineNumber, String(decoding: line, as: UTF8.self))
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                lineNumber += 1
                return (lineNumber, String(decoding: buffer[start...], as: UTF8.self))
            }
            buffer = Data(buffer[start...])
            start = 0
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
        }
    }
}
