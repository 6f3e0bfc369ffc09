import EmendCore
import Foundation
import GRDB

/// Which events of the log to list, newest first.
public struct LogFilter: Sendable, Equatable {
    public var type: String?
    public var actor: String?
    /// A whole stream (`record/<id>`) or every stream of a kind (`record/`).
    public var stream: String?
    /// Only events before this seq: the cursor of the next page.
    public var before: Int64?
    public var limit = 50

    public init() {}
}

/// The outcome of one `emend verify`.
public struct VerifyRun: Sendable, Equatable {
    public var finishedAt: Timestamp
    public var ok: Bool
    public var events: Int64
    public var summary: String
}

extension Store {
    /// Events matching `filter`, newest first, each with its hash and the hash before it.
    public func events(_ filter: LogFilter) throws -> [StoredEvent] {
        var conditions = Conditions()
        if let type = filter.type { conditions.add("events.type = ?", [type]) }
        if let actor = filter.actor { conditions.add("events.actor = ?", [actor]) }
        if let stream = filter.stream {
            // A kind is a prefix: from `record/` up to `record0` ('0' follows '/'), a range the UNIQUE (stream,
            // stream_version) index serves.
            if stream.hasSuffix("/") { conditions.add("events.stream >= ? AND events.stream < ?", [stream, stream.dropLast() + "0"]) } else {
                conditions.add("events.stream = ?", [stream])
            }
        }
        if let before = filter.before { conditions.add("events.seq < ?", [before]) }
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT events.*, coalesce((SELECT hash FROM events AS previous WHERE previous.seq = events.seq - 1), zeroblob(32)) AS prev_hash
                    FROM events WHERE \(conditions.sql) ORDER BY events.seq DESC LIMIT \(filter.limit)
                    """,
                arguments: conditions.arguments
            ).map { row in
                StoredEvent(event: try Self.event(row), prevHash: [UInt8](row["prev_hash"] as Data), hash: [UInt8](row["hash"] as Data))
            }
        }
    }

    /// The newest checkpoints first.
    public func checkpoints(limit: Int = 20) throws -> [Checkpoint] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM checkpoints ORDER BY tree_size DESC LIMIT ?", arguments: [limit]).map(Checkpoints.checkpoint)
        }
    }

    /// Keeps what a verify found, for the auditor console.
    public func recordVerifyRun(ok: Bool, events: Int64, summary: String) throws {
        let now = clock()
        try writer.write { db in
            try db.execute(
                sql: "REPLACE INTO verify_runs (finished_at, ok, events, summary) VALUES (?, ?, ?, ?)",
                arguments: [now.milliseconds, ok, events, summary])
        }
    }

    public func lastVerifyRun() throws -> VerifyRun? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM verify_runs ORDER BY finished_at DESC LIMIT 1").map { row in
                VerifyRun(finishedAt: Timestamp(milliseconds: row["finished_at"]), ok: row["ok"], events: row["events"], summary: row["summary"])
            }
        }
    }
}
