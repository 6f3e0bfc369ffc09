import EmendCore
import Foundation
import GRDB
import GRDBSQLite

extension Store {
    /// Rebuilds every read model from the database's own log, up to `until` (the whole log when nil),
    /// in one transaction. Returns the number of events replayed. Checkpoints are not read models: they stay.
    ///
    /// Events are read here in batches; another thread turns each batch into record rows (most events are
    /// RecordImported, whose row comes straight from the event's text) while this one writes the batch before.
    /// Other events go through `Projector` in their turn, so the result is that of projecting event by event.
    @discardableResult
    public func replay(until: Int64? = nil, progress: (Int64) -> Void = { _ in }) throws -> Int64 {
        try bulkWrite(clearingReadModels: true) { db, counted in
            let events = try db.makeStatement(
                sql: "SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events WHERE seq <= ? ORDER BY seq")
            sqlite3_bind_int64(events.sqliteStatement, 1, until ?? Int64.max)
            defer { sqlite3_reset(events.sqliteStatement) }
            let records = try RecordRow.Writer(db)
            var count: Int64 = 0
            var atEnd = false
            var pending = try Self.readEvents(events, atEnd: &atEnd, db: db).map { batch in Pending { try Self.prepare(batch) } }
            while let current = pending {
                pending = try Self.readEvents(events, atEnd: &atEnd, db: db).map { batch in Pending { try Self.prepare(batch) } }
                let (projections, batchCounted) = try current.value()
                counted.add(batchCounted)
                for item in projections {
                    switch item {
                    case .record(let row): try records.insert(row)
                    case .event(let event): counted.add(try Projector.apply(event, db: db))
                    }
                    count += 1
                    if count % 50_000 == 0 { progress(count) }
                }
            }
            progress(count)
            return count
        }
    }

    /// An event as stored, its data not parsed yet.
    private struct StoredRow: Sendable {
        var seq: Int64
        var id: String
        var stream: String
        var streamVersion: Int64
        var type: String
        var recordedAt: Int64
        var actor: String
        var data: [UInt8]
    }

    private enum Projection: Sendable {
        case record(RecordRow.Prepared)
        case event(RecordedEvent)
    }

    /// The next rows of `statement` (SELECT seq, id, stream, stream_version, type, recorded_at, actor, data);
    /// nil at the end. (Stepping a statement that is done would start it again.)
    private static func readEvents(_ statement: Statement, atEnd: inout Bool, db: Database) throws -> [StoredRow]? {
        let handle = statement.sqliteStatement
        func text(_ column: Int32) -> String {
            String(cString: sqlite3_column_text(handle, column))
        }
        var rows: [StoredRow] = []
        rows.reserveCapacity(2_000)
        while !atEnd, rows.count < 2_000 {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE {
                atEnd = true
                break
            }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                    sql: statement.sql)
            }
            let data = UnsafeRawBufferPointer(
                start: sqlite3_column_blob(handle, 7), count: Int(sqlite3_column_bytes(handle, 7)))
            rows.append(
                StoredRow(
                    seq: sqlite3_column_int64(handle, 0), id: text(1), stream: text(2),
                    streamVersion: sqlite3_column_int64(handle, 3), type: text(4),
                    recordedAt: sqlite3_column_int64(handle, 5), actor: text(6), data: Array(data)))
        }
        return rows.isEmpty ? nil : rows
    }

    /// The batch's projections, and the record rows among them counted.
    private static func prepare(_ rows: [StoredRow]) throws -> (projections: [Projection], counted: RecordCounts.Tally) {
        var counted = RecordCounts.Tally()
        let projections = try rows.map { row -> Projection in
            try row.data.withUnsafeBufferPointer { data in
                do {
                    if row.type == EventType.recordImported,
                        let record = try RecordRow.imported(
                            id: Projector.streamID(row.stream), seq: row.seq, streamVersion: row.streamVersion, recordedAt: row.recordedAt,
                            data: data)
                    {
                        counted.add(record)
                        return .record(record.prepared)
                    }
                    return .event(
                        RecordedEvent(
                            seq: row.seq, id: row.id, stream: row.stream, streamVersion: row.streamVersion, type: row.type,
                            recordedAt: Timestamp(milliseconds: row.recordedAt), actor: row.actor,
                            data: try JSONParser.parse(data)))
                } catch {
                    throw StoreError.corrupt(seq: row.seq, reason: "data is not valid JSON (\(error))")
                }
            }
        }
        return (projections, counted)
    }

    /// Loads an exported log into this database, which must have no events, checking every hash on the way,
    /// and builds the read models as it goes. All or nothing. The database signs its own checkpoints of the log
    /// with its own key, on the way and at the end.
    @discardableResult
    public func replay(
        from lines: some Sequence<(lineNumber: Int, text: String)>, progress: (Int64) -> Void = { _ in }
    ) throws -> Int64 {
        try bulkWrite(clearingReadModels: true) { db, counted in
            guard try Int64.fetchOne(db, sql: "SELECT count(*) FROM events") == 0 else {
                throw StoreError.invalid("replay --from needs an empty database; this one already has a log")
            }
            var log = try LogTransaction(db: db, now: clock(), signingKey: signingKey)
            var count: Int64 = 0
            for (lineNumber, text) in lines where !text.isEmpty {
                let stored = try NDJSONLog.parse(text, lineNumber: lineNumber)
                do { counted.add(try log.appendExisting(stored.event, hash: stored.hash)) } catch let error as StoreError {
                    throw StoreError.invalid("line \(lineNumber): \(error)")
                }
                count += 1
                if count % 50_000 == 0 { progress(count) }
            }
            try log.checkpoint()
            progress(count)
            return count
        }
    }

    static func clearReadModels(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM datasets;
                DELETE FROM records;
                DELETE FROM record_counts;
                DELETE FROM record_cells;
                DELETE FROM record_flags;
                INSERT INTO records_fts (records_fts) VALUES ('delete-all');
                DELETE FROM record_history;
                INSERT INTO record_history_fts (record_history_fts) VALUES ('delete-all');
                DELETE FROM users;
                DELETE FROM proposals;
                DELETE FROM queue_counts;
                DELETE FROM annotations;
                DELETE FROM reports;
                DELETE FROM corrections;
                """)
    }
}
