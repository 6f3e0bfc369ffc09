import ArgumentParser
import EmendStore
import Foundation

@main
struct Emend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Emend: museum specimen records, open to correction, with a log anyone can verify.",
        subcommands: [
            ImportCommand.self, ExportCommand.self, ServeCommand.self, UserCommand.self, LogCommand.self, ReplayCommand.self,
            VerifyCommand.self, CheckpointCommand.self, SuggestCommand.self, BenchCommand.self,
        ])
}

/// `--db PATH`, default `$EMEND_DB` or `./emend.sqlite`, and `--key PATH`, default the database's path with `.key`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database (default: $EMEND_DB, or ./emend.sqlite).")
    var db: String = ProcessInfo.processInfo.environment["EMEND_DB"] ?? "emend.sqlite"
    @Option(name: .long, help: "The key that signs checkpoints of the log, made when missing (default: the database's path with .key added).")
    var key: String?

    func open() throws -> Store {
        try Store(path: db, keyPath: key)
    }
}

/// Writes progress on one line when stderr is a terminal; says nothing otherwise.
struct Progress {
    let start = Date()
    private let live = isatty(STDERR_FILENO) == 1

    func show(_ count: Int64, _ what: String) {
        guard live else { return }
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Int(Double(count) / elapsed) : 0
        FileHandle.standardError.write(Data("\r\(count) \(what), \(rate)/s, \(String(format: "%.1f", elapsed)) s   ".utf8))
    }

    func finish() {
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    var elapsed: Double { Date().timeIntervalSince(start) }
}

func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode.failure
}
