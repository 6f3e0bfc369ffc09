import Crypto
import EmendCore
import Foundation
import GRDB

public struct VerifyReport: Sendable, Equatable {
    public var events: Int64
    public var records: Int64
    /// SHA-256 over the read models in a fixed order: equal for databases built from the same log.
    public var checksum: String
}

extension Store {
    /// Checks that the hash chain is unbroken and that the read models are what a fresh replay of the log gives.
    /// Throws `StoreError.corrupt` naming the first bad `seq`.
    public func verify(progress: (String, Int64) -> Void = { _, _ in }) throws -> VerifyReport {
        try read { db in
            let events = try Self.verifyChain(db, progress: progress)
            let records = try Self.verifyRecords(db, progress: progress)
            try Self.verifyOtherReadModels(db)
            return VerifyReport(events: events, records: records, checksum: try Self.checksum(db))
        }
    }

    private static func verifyChain(_ db: Database, progress: (String, Int64) -> Void) throws -> Int64 {
        var previous = HashChain.genesis
        var expectedSeq: Int64 = 1
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT seq, id, stream, stream_version, type, recorded_at, actor, data, hash FROM events ORDER BY seq")
        while let row = try cursor.next() {
            let seq: Int64 = row["seq"]
            guard seq == expectedSeq else { throw StoreError.corrupt(seq: expectedSeq, reason: "missing from the log") }
            let data = row.dataNoCopy(atIndex: 7) ?? Data()
            let canonical = HashChain.canonical(
                seq: seq, id: row["id"], stream: row["stream"], streamVersion: row["stream_version"], type: row["type"],
                recordedAt: Timestamp(milliseconds: row["recorded_at"]), actor: row["actor"], canonicalData: data)
            let hash = HashChain.hash(previous: previous, canonical: canonical)
            guard hash == [UInt8](row["hash"] as Data) else {
                throw StoreError.corrupt(seq: seq, reason: "hash mismatch: the event or the one before it was altered")
            }
            previous = hash
            expectedSeq += 1
            if seq % 100_000 == 0 { progress("chain", seq) }
        }
        return expectedSeq - 1
    }

    /// Each record row must equal the fold of its own stream.
    private static func verifyRecords(_ db: Database, progress: (String, Int64) -> Void) throws -> Int64 {
        let streamEvents = try db.makeStatement(
            sql: """
                SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events
                WHERE stream = ? ORDER BY stream_version
                """)
        var count: Int64 = 0
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM records ORDER BY id")
        while let stored = try cursor.next() {
            let id: String = stored["id"]
            var state: RecordState?
            var lastSeq: Int64 = 0
            let events = try Row.fetchCursor(streamEvents, arguments: [RecordState.stream(id)])
            while let row = try events.next() {
                let event = try event(row)
                state = RecordState.apply(event, to: state, id: id)
                lastSeq = event.seq
            }
            guard let state else {
                throw StoreError.corrupt(seq: stored["seq"], reason: "records has \(id), which the log never created")
            }
            let expected = try RecordRow(state: state, seq: lastSeq).databaseValues
            for (column, value) in expected where stored[column] as DatabaseValue != value {
                throw StoreError.corrupt(seq: lastSeq, reason: "records.\(column) of \(id) differs from a replay of the log")
            }
            count += 1
            if count % 100_000 == 0 { progress("records", count) }
        }
        let created = try Int64.fetchOne(db, sql: "SELECT count(*) FROM events WHERE type = ?", arguments: [EventType.recordImported]) ?? 0
        guard created == count else {
            throw StoreError.corrupt(seq: nil, reason: "the log creates \(created) records; the read model has \(count)")
        }
        return count
    }

    private static func verifyOtherReadModels(_ db: Database) throws {
        let located = try Int64.fetchOne(db, sql: "SELECT count(*) FROM records WHERE decimal_latitude IS NOT NULL") ?? 0
        let indexed = try Int64.fetchOne(db, sql: "SELECT count(*) FROM records_geo") ?? 0
        guard located == indexed else {
            throw StoreError.corrupt(seq: nil, reason: "records_geo holds \(indexed) points for \(located) located records")
        }
        // Datasets and users are small: rebuild them in memory and compare.
        let rebuilt = try DatabaseQueue()
        try Schema.migrator.migrate(rebuilt)
        let counts = try Row.fetchAll(db, sql: "SELECT dataset_id, count(*) AS n FROM records GROUP BY dataset_id")
        try rebuilt.write { memory in
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events WHERE type IN (?, ?) ORDER BY seq",
                arguments: [EventType.datasetImported, EventType.userAdded])
            while let row = try cursor.next() { try Projector.apply(try event(row), db: memory) }
            for row in counts {
                try memory.execute(sql: "UPDATE datasets SET record_count = ? WHERE id = ?", arguments: [row["n"], row["dataset_id"]])
            }
            for table in ["datasets", "users"] {
                let expected = try Row.fetchAll(memory, sql: "SELECT * FROM \(table) ORDER BY id")
                let actual = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY id")
                guard expected == actual else {
                    throw StoreError.corrupt(seq: nil, reason: "the \(table) read model differs from a replay of the log")
                }
            }
        }
    }

    private static func checksum(_ db: Database) throws -> String {
        var hasher = SHA256()
        for (table, columns) in [
            ("records", "id, dataset_id, version, seq, fields, extensions"),
            ("datasets", "id, title, source, record_count, import_count, last_import_seq, last_import_at"),
            ("users", "id, name, role, scopes, created_seq"),
        ] {
            hasher.update(data: Array("\(table)\n".utf8))
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM \(table) ORDER BY id")
            while let row = try cursor.next() {
                let line = row.databaseValues.map { $0.isNull ? "\u{0}" : String(describing: $0.storage.value ?? "") }
                hasher.update(data: Array((line.joined(separator: "\u{1F}") + "\n").utf8))
            }
        }
        return Array(hasher.finalize()).hexString
    }
}
