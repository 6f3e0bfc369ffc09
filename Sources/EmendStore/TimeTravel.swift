import EmendCore
import GRDB

/// Where the log ended for an answer read as of a past point (`asOf`, DESIGN §5). Only the store makes one, from
/// what a reader asked for, so a position is always one the log has reached.
public struct LogPosition: Sendable, Equatable {
    /// The seq of the last event then; 0 before the first.
    public let seq: Int64
    /// When that event was recorded; nil at seq 0.
    public let recordedAt: Timestamp?
}

extension Store {
    /// Where the log ended at `asOf`: a seq (a whole number from 0 to the last event's), or an RFC 3339 / ISO 8601
    /// time, meaning the last event recorded at or before it (a date alone is its midnight UTC). A seq past the end
    /// of the log, or a time in the future, is refused rather than clamped: an answer as of a point the log has not
    /// reached yet would change as it grows, and an answer as of a position never does.
    public func position(asOf: String) throws -> LogPosition {
        try read { db in
            let lastSeq = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM events") ?? 0
            let refused = InvalidInput(
                field: "asOf",
                reason: "a seq from 0 to \(lastSeq) (where the log ends now), or a time that is not in the future, such as "
                    + "2026-11-25T10:00:00Z; got \"\(asOf)\"")
            let seq: Int64
            if !asOf.isEmpty, asOf.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
                guard let number = Int64(asOf), number <= lastSeq else { throw refused }
                seq = number
            } else {
                guard let time = Timestamp(rfc3339: asOf), time <= clock() else { throw refused }
                seq = try Self.lastSeq(recordedBy: time, lastSeq: lastSeq, db: db)
            }
            return LogPosition(seq: seq, recordedAt: seq == 0 ? nil : Timestamp(milliseconds: try Self.recordedAt(seq: seq, db: db)))
        }
    }

    /// Where the log ends now: a download of the records now is read as of it, so that its pages, read one after
    /// another, are all of one moment.
    public func currentPosition() throws -> LogPosition {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, recorded_at FROM events ORDER BY seq DESC LIMIT 1") else {
                return LogPosition(seq: 0, recordedAt: nil)
            }
            return LogPosition(seq: row["seq"], recordedAt: Timestamp(milliseconds: row["recorded_at"]))
        }
    }

    /// The last event recorded at or before `time`, 0 when none was. A transaction never records an event earlier
    /// than the one before it (`LogTransaction.now`), so times follow seq and a binary search finds it.
    private static func lastSeq(recordedBy time: Timestamp, lastSeq: Int64, db: Database) throws -> Int64 {
        var low: Int64 = 0, high = lastSeq
        while low < high {
            let middle = (low + high + 1) / 2
            if try recordedAt(seq: middle, db: db) <= time.milliseconds { low = middle } else { high = middle - 1 }
        }
        return low
    }

    private static func recordedAt(seq: Int64, db: Database) throws -> Int64 {
        guard let milliseconds = try Int64.fetchOne(db.cachedStatement(sql: "SELECT recorded_at FROM events WHERE seq = ?"), arguments: [seq])
        else { throw StoreError.corrupt(seq: seq, reason: "missing from the log") }
        return milliseconds
    }

    /// The rowid of the last record created at or before `seq`, 0 when none was. Records get their rowids in the
    /// order the log creates them (appends and replays insert them in seq order, and verify checks it), so the
    /// records created after `seq` are exactly those with greater rowids. A binary search over rowids finds it.
    static func lastRecordRowid(createdBy seq: Int64, db: Database) throws -> Int64 {
        let recordID = try db.cachedStatement(sql: "SELECT id FROM records WHERE rowid = ?")
        let created = try db.cachedStatement(sql: "SELECT seq FROM events WHERE stream = ? AND stream_version = 1")
        var low: Int64 = 0
        var high = try Int64.fetchOne(db, sql: "SELECT coalesce(max(rowid), 0) FROM records") ?? 0
        while low < high {
            let middle = (low + high + 1) / 2
            guard let id = try String.fetchOne(recordID, arguments: [middle]),
                let createdAt = try Int64.fetchOne(created, arguments: [RecordState.stream(id)])
            else { throw StoreError.corrupt(seq: nil, reason: "records has no row \(middle), or the log did not create it") }
            if createdAt <= seq { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
