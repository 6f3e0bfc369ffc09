import EmendCore
import Foundation
import GRDB

extension Store {
    /// Rebuilds every read model from the database's own log, up to `until` (the whole log when nil),
    /// in one transaction. Returns the number of events replayed.
    @discardableResult
    public func replay(until: Int64? = nil, progress: (Int64) -> Void = { _ in }) throws -> Int64 {
        try bulkWrite(clearingReadModels: true) { db in
            var count: Int64 = 0
            let cursor = try Row.fetchCursor(
                db,
                sql: "SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events WHERE seq <= ? ORDER BY seq",
                arguments: [until ?? Int64.max])
            while let row = try cursor.next() {
                try Projector.apply(try Self.event(row), db: db)
                count += 1
                if count % 50_000 == 0 { progress(count) }
            }
            progress(count)
            return count
        }
    }

    /// Loads an exported log into this database, which must have no events, checking every hash on the way,
    /// and builds the read models as it goes. All or nothing.
    @discardableResult
    public func replay(
        from lines: some Sequence<(lineNumber: Int, text: String)>, progress: (Int64) -> Void = { _ in }
    ) throws -> Int64 {
        try bulkWrite(clearingReadModels: true) { db in
            guard try Int64.fetchOne(db, sql: "SELECT count(*) FROM events") == 0 else {
                throw StoreError.invalid("replay --from needs an empty database; this one already has a log")
            }
            var log = try LogTransaction(db: db, now: Timestamp(milliseconds: 0))
            var count: Int64 = 0
            for (lineNumber, text) in lines where !text.isEmpty {
                let stored = try NDJSONLog.parse(text, lineNumber: lineNumber)
                do { try log.appendExisting(stored.event, hash: stored.hash) } catch let error as StoreError {
                    throw StoreError.invalid("line \(lineNumber): \(error)")
                }
                count += 1
                if count % 50_000 == 0 { progress(count) }
            }
            progress(count)
            return count
        }
    }

    static func clearReadModels(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM datasets;
                DELETE FROM records;
                INSERT INTO records_fts (records_fts) VALUES ('delete-all');
                DELETE FROM users;
                DELETE FROM proposals;
                DELETE FROM annotations;
                DELETE FROM reports;
                """)
    }
}
