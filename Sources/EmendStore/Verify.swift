import Crypto
import EmendCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

public struct VerifyReport: Sendable, Equatable {
    public var events: Int64
    public var records: Int64
    /// Checkpoints whose root, signature and frontier match the log.
    public var checkpoints: Int
    public var latestCheckpoint: Checkpoint?
    /// A digest of the read models: equal for databases built from the same log.
    public var checksum: String
}

extension Store {
    /// Checks that the hash chain is unbroken, that every checkpoint is signed and holds the Merkle root of the
    /// events it covers, and that the read models are what a fresh replay of the log gives.
    /// Throws `StoreError.corrupt` naming the first bad `seq`. The chain and slices of the records table are
    /// checked side by side, each on its own reader, to use every core.
    public func verify(progress: @escaping @Sendable (String, Int64) -> Void = { _, _ in }) throws -> VerifyReport {
        // More slices than cores, so that whichever thread is free takes the next: the chain is one long task.
        let slices = 4 * max(1, ProcessInfo.processInfo.activeProcessorCount)
        let maxRowID = try read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(rowid), 0) FROM records") ?? 0 }
        let chain = Mutex<Result<ChainSummary, any Error>?>(nil)
        let records = Mutex<[(slice: Int, result: Result<RecordsSummary, any Error>)]>([])
        DispatchQueue.concurrentPerform(iterations: slices + 1) { task in
            if task == 0 {
                let result = Result { try read { try Self.verifyChain($0, key: publicKey, progress: progress) } }
                chain.withLock { $0 = result }
            } else {
                let slice = Int64(task - 1)
                let rows = (maxRowID * slice / Int64(slices) + 1)..<(maxRowID * (slice + 1) / Int64(slices) + 1)
                let result = Result { try read { try Self.verifyRecords($0, rowids: rows, progress: progress) } }
                records.withLock { $0.append((task, result)) }
            }
        }
        let chainSummary = try chain.withLock { $0! }.get()
        let slicesInOrder = try records.withLock { $0 }.sorted { $0.slice < $1.slice }.map { try $0.result.get() }
        var recordsSummary = RecordsSummary()
        for slice in slicesInOrder where slice.count > 0 {
            // Each slice checked that its rowids follow creation; so must they from one slice to the next.
            guard slice.firstCreated > recordsSummary.lastCreated else {
                throw StoreError.corrupt(
                    seq: slice.firstCreated, reason: "records has rowids out of the order the log created the records in")
            }
            recordsSummary.count += slice.count
            recordsSummary.superseded += slice.superseded
            recordsSummary.lastCreated = slice.lastCreated
            recordsSummary.digest.add(slice.digest)
        }
        return try read { db in
            guard chainSummary.recordsCreated == recordsSummary.count else {
                throw StoreError.corrupt(
                    seq: nil,
                    reason: "the log creates \(chainSummary.recordsCreated) records; the read model has \(recordsSummary.count)")
            }
            // Every version the log supersedes was found in record_history; nothing else may be there.
            let historyRows = try Int64.fetchOne(db, sql: "SELECT count(*) FROM record_history") ?? 0
            guard historyRows == recordsSummary.superseded else {
                throw StoreError.corrupt(
                    seq: nil,
                    reason: "the log supersedes \(recordsSummary.superseded) record versions; record_history has \(historyRows)")
            }
            try Self.verifyDatasetsAndUsers(db)
            return VerifyReport(
                events: chainSummary.events, records: recordsSummary.count, checkpoints: chainSummary.checkpoints,
                latestCheckpoint: chainSummary.latestCheckpoint, checksum: try Self.checksum(db, records: recordsSummary.digest))
        }
    }

    private struct ChainSummary {
        var events: Int64 = 0
        var recordsCreated: Int64 = 0
        var checkpoints = 0
        var latestCheckpoint: Checkpoint?
    }

    private struct RecordsSummary {
        var count: Int64 = 0
        /// Versions in record_history, each checked against the fold of its record's stream.
        var superseded: Int64 = 0
        /// The seqs that created the first and the last record of the slice, in rowid order.
        var firstCreated: Int64 = 0
        var lastCreated: Int64 = 0
        var digest = RowDigest()
    }

    /// The chain, and the Merkle tree over it that the checkpoints sign, in one pass over the log.
    private static func verifyChain(
        _ db: Database, key: Curve25519.Signing.PublicKey, progress: (String, Int64) -> Void
    ) throws -> ChainSummary {
        var previous = HashChain.genesis
        var summary = ChainSummary()
        var checkpoints = try CheckpointAudit(db, key: key)
        // Read with the C API, straight from SQLite's buffers: this loop runs once per event of the log.
        let statement = try db.makeStatement(
            sql: "SELECT seq, id, stream, stream_version, type, recorded_at, actor, data, hash FROM events ORDER BY seq")
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        var recordedAt = (milliseconds: Int64.min, text: "")
        while try step(statement, db: db) {
            let seq = sqlite3_column_int64(handle, 0)
            guard seq == summary.events + 1 else { throw StoreError.corrupt(seq: summary.events + 1, reason: "missing from the log") }
            let type = text(handle, 4)
            let milliseconds = sqlite3_column_int64(handle, 5)
            if milliseconds != recordedAt.milliseconds {
                // Times never go back along the log: `asOf` a time finds its seq by bisection.
                guard milliseconds > recordedAt.milliseconds else {
                    throw StoreError.corrupt(seq: seq, reason: "recorded before the event before it")
                }
                recordedAt = (milliseconds, Timestamp(milliseconds: milliseconds).rfc3339)
            }
            let canonical = HashChain.canonical(
                seq: seq, id: text(handle, 1), stream: text(handle, 2), streamVersion: sqlite3_column_int64(handle, 3),
                type: type, recordedAt: recordedAt.text, actor: text(handle, 6), canonicalData: bytes(handle, 7))
            let hash = HashChain.hash(previous: previous, canonical: canonical)
            guard equal(hash, bytes(handle, 8)) else {
                throw StoreError.corrupt(seq: seq, reason: "hash mismatch: the event or the one before it was altered")
            }
            try checkpoints.add(eventHash: hash)
            previous = hash
            summary.events = seq
            if type == EventType.recordImported { summary.recordsCreated += 1 }
            if seq % 100_000 == 0 { progress("chain", seq) }
        }
        try checkpoints.finish()
        summary.checkpoints = checkpoints.checked
        summary.latestCheckpoint = checkpoints.latest
        return summary
    }

    /// Steps a statement read with the C API: true while it has a row.
    private static func step(_ statement: Statement, db: Database) throws -> Bool {
        switch sqlite3_step(statement.sqliteStatement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: statement.sql)
        }
    }

    private static func text(_ handle: SQLiteStatement, _ column: Int32) -> String {
        String(decoding: bytes(handle, column), as: UTF8.self)
    }

    /// A column's bytes, valid until the statement moves on.
    private static func bytes(_ handle: SQLiteStatement, _ column: Int32) -> UnsafeBufferPointer<UInt8> {
        let start = sqlite3_column_blob(handle, column)?.assumingMemoryBound(to: UInt8.self)
        return UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(handle, column)))
    }

    /// Whether a column holds exactly `value` (type and content), read without copying it out.
    private static func column(_ handle: SQLiteStatement, _ column: Int32, holds value: DatabaseValue) -> Bool {
        let type = sqlite3_column_type(handle, column)
        switch value.storage {
        case .null: return type == SQLITE_NULL
        case .int64(let number): return type == SQLITE_INTEGER && sqlite3_column_int64(handle, column) == number
        case .double(let number): return type == SQLITE_FLOAT && sqlite3_column_double(handle, column) == number
        case .string(var text): return type == SQLITE_TEXT && text.withUTF8 { equal($0, bytes(handle, column)) }
        case .blob(let data): return type == SQLITE_BLOB && data.withUnsafeBytes { equal($0.bindMemory(to: UInt8.self), bytes(handle, column)) }
        }
    }

    /// memcmp: the generic `elementsEqual` goes byte by byte, and every record's fields text is compared.
    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    private static func equal(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.withUnsafeBufferPointer { equal($0, b) }
    }

    /// Each record row must equal the fold of its own stream, and its rowid follow the order the log created the
    /// records in (time travel relies on it, and a replay gives it). Most records have one event, the one the row
    /// names by `seq`, read in the same pass; the others fold their whole stream, whose earlier versions must be in
    /// record_history.
    private static func verifyRecords(
        _ db: Database, rowids: Range<Int64>, progress: (String, Int64) -> Void
    ) throws -> RecordsSummary {
        let streamEvents = try db.makeStatement(
            sql: """
                SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events
                WHERE stream = ? ORDER BY stream_version
                """)
        let history = try db.makeStatement(
            sql: "SELECT record_rowid, superseded_seq, \(RecordRow.columns) FROM record_history WHERE seq = ?")
        var summary = RecordsSummary()
        // The row's columns in RecordRow's order, then the event it names, then its rowid; read with the C API, one pass.
        let columns = RecordRow.columnNames
        let statement = try db.makeStatement(
            sql: """
                SELECT \(columns.map { "records.\($0)" }.joined(separator: ", ")),
                       events.seq, events.id, events.stream, events.stream_version, events.type, events.recorded_at,
                       events.actor, events.data, records.rowid
                FROM records LEFT JOIN events ON events.seq = records.seq
                WHERE records.rowid >= ? AND records.rowid < ?
                ORDER BY records.rowid
                """)
        try statement.setArguments([rowids.lowerBound, rowids.upperBound])
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        let event = Int32(columns.count)
        while try step(statement, db: db) {
            let id = text(handle, 0)
            let stream = RecordState.stream(id)
            let rowid = sqlite3_column_int64(handle, event + 8)
            var lastSeq = sqlite3_column_int64(handle, 3)
            var created = lastSeq
            var expected: RecordRow?
            if sqlite3_column_type(handle, event) != SQLITE_NULL, text(handle, event + 4) == EventType.recordImported,
                text(handle, event + 2) == stream
            {
                let seq = sqlite3_column_int64(handle, event)
                do {
                    expected = try RecordRow.imported(
                        id: id, seq: seq, streamVersion: sqlite3_column_int64(handle, event + 3), data: bytes(handle, event + 7))
                } catch {
                    throw StoreError.corrupt(seq: seq, reason: "data is not valid JSON (\(error))")
                }
            }
            if expected == nil {
                let events = try Row.fetchAll(streamEvents, arguments: [stream]).map { try Self.event($0) }
                let versions = RecordRow.versions(id: id, rowid: rowid, events: events)
                guard let current = versions.current, let first = events.first else {
                    throw StoreError.corrupt(seq: events.last?.seq ?? lastSeq, reason: "records has \(id), which the log never created")
                }
                for version in versions.superseded {
                    summary.digest.add(try Self.verifyHistory(version, statement: history, db: db))
                    summary.superseded += 1
                }
                lastSeq = current.seq
                created = first.seq
                expected = current
            }
            let values = expected!.values
            for (index, value) in values.enumerated() where !Self.column(handle, Int32(index), holds: value) {
                throw StoreError.corrupt(seq: lastSeq, reason: "records.\(columns[index]) of \(id) differs from a replay of the log")
            }
            guard created > summary.lastCreated else {
                throw StoreError.corrupt(seq: created, reason: "records has rowids out of the order the log created the records in")
            }
            if summary.count == 0 { summary.firstCreated = created }
            summary.lastCreated = created
            summary.digest.add(values)
            summary.count += 1
            if summary.count % 100_000 == 0 { progress("records", summary.count) }
        }
        return summary
    }

    /// A superseded version must be in record_history as the fold gives it; returns the row as the digest takes it.
    private static func verifyHistory(_ version: RecordRow.Superseded, statement: Statement, db: Database) throws -> [DatabaseValue] {
        let expected = [version.row.rowid.databaseValue, version.supersededBy.databaseValue] + version.row.values
        let seq = version.row.seq, id = version.row.state.id
        try statement.setArguments([seq])
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        guard try step(statement, db: db) else {
            throw StoreError.corrupt(seq: seq, reason: "record_history lacks version \(version.row.state.version) of \(id)")
        }
        let columns = ["record_rowid", "superseded_seq"] + RecordRow.columnNames
        for (index, value) in expected.enumerated() where !Self.column(handle, Int32(index), holds: value) {
            throw StoreError.corrupt(
                seq: seq,
                reason: "record_history.\(columns[index]) of version \(version.row.state.version) of \(id) differs from a replay of the log")
        }
        return ["record_history".databaseValue] + expected
    }

    /// The read models other than records, which are small enough to rebuild in memory and compare.
    private static let smallReadModels = ["datasets", "users", "proposals", "annotations", "reports", "corrections"]

    /// Datasets, users and contributions are small: rebuild them in memory and compare.
    private static func verifyDatasetsAndUsers(_ db: Database) throws {
        let rebuilt = try DatabaseQueue()
        try Schema.migrator.migrate(rebuilt)
        let counts = try Row.fetchAll(db, sql: "SELECT dataset_id, count(*) AS n FROM records GROUP BY dataset_id")
        try rebuilt.write { memory in
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events WHERE type IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ORDER BY seq",
                arguments: [
                    EventType.datasetImported, EventType.userAdded, EventType.proposalSubmitted,
                    EventType.annotationAdded, EventType.reportFiled, EventType.proposalAccepted, EventType.proposalRejected,
                    EventType.reportResolved, EventType.annotationHidden, EventType.proposalQuestioned, EventType.proposalAmended,
                ])
            while let row = try cursor.next() { try Projector.apply(try event(row), db: memory) }
            for row in counts {
                try memory.execute(sql: "UPDATE datasets SET record_count = ? WHERE id = ?", arguments: [row["n"], row["dataset_id"]])
            }
            for table in smallReadModels {
                let columns = try db.columns(in: table).map(\.name).filter { !(recordColumns[table] ?? []).contains($0) }
                let select = "SELECT \(columns.joined(separator: ", ")) FROM \(table) ORDER BY 1, 2"
                guard try Row.fetchAll(memory, sql: select) == Row.fetchAll(db, sql: select) else {
                    throw StoreError.corrupt(seq: nil, reason: "the \(table) read model differs from a replay of the log")
                }
            }
        }
        let strays = try Int.fetchOne(
            db,
            sql: """
                SELECT count(*) FROM proposals LEFT JOIN records ON records.id = proposals.record_id
                WHERE proposals.institution_code IS NOT records.institution_code OR proposals.collection_code IS NOT records.collection_code
                  OR proposals.dataset_id IS NOT records.dataset_id
                """) ?? 0
        guard strays == 0 else {
            throw StoreError.corrupt(seq: nil, reason: "\(strays) proposals are not filed under their record's collection")
        }
        let tally = try Row.fetchAll(db, sql: "SELECT * FROM queue_counts WHERE n != 0 ORDER BY 1, 2, 3")
        let counted = try Row.fetchAll(
            db,
            sql: """
                SELECT coalesce(institution_code, '') AS institution_code, coalesce(collection_code, '') AS collection_code, status,
                  count(*) AS n
                FROM proposals GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """)
        guard tally == counted else { throw StoreError.corrupt(seq: nil, reason: "the queue counts differ from the proposals") }
    }

    /// Columns of the small read models that copy their record's current values: the in-memory rebuild has no
    /// records, so these are checked against the records table instead.
    private static let recordColumns = ["proposals": ["institution_code", "collection_code", "dataset_id"]]

    private static func checksum(_ db: Database, records: RowDigest) throws -> String {
        var digest = RowDigest()
        for table in smallReadModels {
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM \(table)")
            while let row = try cursor.next() { digest.add([table.databaseValue] + row.databaseValues) }
        }
        digest.add(records)
        return digest.hex
    }
}

/// An order-independent digest of rows: the sum, lane by lane modulo 2^64, of each row's SHA-256.
struct RowDigest {
    private var lanes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    mutating func add(_ values: [DatabaseValue]) {
        // Each value as its type letter, then its text or length-prefixed bytes, all hashed at once.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2048)
        for value in values {
            switch value.storage {
            case .null: bytes.append(0)
            case .int64(let number): bytes.append(contentsOf: "i\(number)\u{1F}".utf8)
            case .double(let number): bytes.append(contentsOf: "d\(number)\u{1F}".utf8)
            case .string(var text):
                bytes.append(UInt8(ascii: "s"))
                bytes.append(contentsOf: String(text.utf8.count).utf8)
                bytes.append(UInt8(ascii: ":"))
                text.withUTF8 { bytes.append(contentsOf: $0) }
            case .blob(let data):
                bytes.append(UInt8(ascii: "b"))
                bytes.append(contentsOf: String(data.count).utf8)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: data)
            }
        }
        let hash = Array(SHA256.hash(data: bytes))
        func lane(_ index: Int) -> UInt64 { hash[index * 8..<index * 8 + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        lanes = (lanes.0 &+ lane(0), lanes.1 &+ lane(1), lanes.2 &+ lane(2), lanes.3 &+ lane(3))
    }

    mutating func add(_ other: RowDigest) {
        lanes = (lanes.0 &+ other.lanes.0, lanes.1 &+ other.lanes.1, lanes.2 &+ other.lanes.2, lanes.3 &+ other.lanes.3)
    }

    var hex: String {
        [lanes.0, lanes.1, lanes.2, lanes.3].map { String($0, radix: 16).leftPadded(to: 16) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
