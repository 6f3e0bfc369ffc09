import Crypto
import EmendCore
import Foundation
import GRDB
import Synchronization

public struct VerifyReport: Sendable, Equatable {
    public var events: Int64
    public var records: Int64
    /// A digest of the read models: equal for databases built from the same log.
    public var checksum: String
}

extension Store {
    /// Checks that the hash chain is unbroken and that the read models are what a fresh replay of the log gives.
    /// Throws `StoreError.corrupt` naming the first bad `seq`. The chain and slices of the records table are
    /// checked side by side, each on its own reader, to use every core.
    public func verify(progress: @escaping @Sendable (String, Int64) -> Void = { _, _ in }) throws -> VerifyReport {
        let slices = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let maxRowID = try read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(rowid), 0) FROM records") ?? 0 }
        let chain = Mutex<Result<ChainSummary, any Error>?>(nil)
        let records = Mutex<[Result<RecordsSummary, any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: slices + 1) { task in
            if task == slices {
                let result = Result { try read { try Self.verifyChain($0, progress: progress) } }
                chain.withLock { $0 = result }
            } else {
                let rows = (maxRowID * Int64(task) / Int64(slices) + 1)..<(maxRowID * Int64(task + 1) / Int64(slices) + 1)
                let result = Result { try read { try Self.verifyRecords($0, rowids: rows, progress: progress) } }
                records.withLock { $0.append(result) }
            }
        }
        let chainSummary = try chain.withLock { $0! }.get()
        let recordsSummary = try records.withLock { $0 }.map { try $0.get() }.reduce(into: RecordsSummary()) { total, slice in
            total.count += slice.count
            total.digest.add(slice.digest)
        }
        return try read { db in
            guard chainSummary.recordsCreated == recordsSummary.count else {
                throw StoreError.corrupt(
                    seq: nil,
                    reason: "the log creates \(chainSummary.recordsCreated) records; the read model has \(recordsSummary.count)")
            }
            try Self.verifyDatasetsAndUsers(db)
            return VerifyReport(
                events: chainSummary.events, records: recordsSummary.count,
                checksum: try Self.checksum(db, records: recordsSummary.digest))
        }
    }

    private struct ChainSummary {
        var events: Int64 = 0
        var recordsCreated: Int64 = 0
    }

    private struct RecordsSummary {
        var count: Int64 = 0
        var digest = RowDigest()
    }

    private static func verifyChain(_ db: Database, progress: (String, Int64) -> Void) throws -> ChainSummary {
        var previous = HashChain.genesis
        var summary = ChainSummary()
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT seq, id, stream, stream_version, type, recorded_at, actor, data, hash FROM events ORDER BY seq")
        while let row = try cursor.next() {
            let seq: Int64 = row["seq"]
            guard seq == summary.events + 1 else { throw StoreError.corrupt(seq: summary.events + 1, reason: "missing from the log") }
            let type: String = row["type"]
            let canonical = try row.withUnsafeData(atIndex: 7) { data in
                HashChain.canonical(
                    seq: seq, id: row["id"], stream: row["stream"], streamVersion: row["stream_version"], type: type,
                    recordedAt: Timestamp(milliseconds: row["recorded_at"]), actor: row["actor"], canonicalData: data ?? Data())
            }
            let hash = HashChain.hash(previous: previous, canonical: canonical)
            guard try row.withUnsafeData(atIndex: 8, { hash.elementsEqual($0 ?? Data()) }) else {
                throw StoreError.corrupt(seq: seq, reason: "hash mismatch: the event or the one before it was altered")
            }
            previous = hash
            summary.events = seq
            if type == EventType.recordImported { summary.recordsCreated += 1 }
            if seq % 100_000 == 0 { progress("chain", seq) }
        }
        return summary
    }

    /// Each record row must equal the fold of its own stream. Most records have one event, the one the row
    /// names by `seq`, read in the same pass; the others fold their whole stream.
    private static func verifyRecords(
        _ db: Database, rowids: Range<Int64>, progress: (String, Int64) -> Void
    ) throws -> RecordsSummary {
        let streamEvents = try db.makeStatement(
            sql: """
                SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events
                WHERE stream = ? ORDER BY stream_version
                """)
        var summary = RecordsSummary()
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT records.*, events.seq AS event_seq, events.id AS event_id, events.stream, events.stream_version,
                       events.type, events.recorded_at, events.actor, events.data
                FROM records LEFT JOIN events ON events.seq = records.seq
                WHERE records.rowid >= ? AND records.rowid < ?
                ORDER BY records.rowid
                """,
            arguments: [rowids.lowerBound, rowids.upperBound])
        while let stored = try cursor.next() {
            let id: String = stored["id"]
            let stream = RecordState.stream(id)
            var state: RecordState?
            var lastSeq: Int64 = stored["seq"]
            if stored["type"] == EventType.recordImported, stored["stream"] == stream {
                let event = try event(stored, seq: "event_seq", id: "event_id")
                state = RecordState.apply(event, to: nil, id: id)
            } else {
                let events = try Row.fetchCursor(streamEvents, arguments: [stream])
                while let row = try events.next() {
                    let event = try event(row)
                    state = RecordState.apply(event, to: state, id: id)
                    lastSeq = event.seq
                }
            }
            guard let state else {
                throw StoreError.corrupt(seq: stored["seq"], reason: "records has \(id), which the log never created")
            }
            let expected = RecordRow(state: state, seq: lastSeq)
            let values = expected.databaseValues
            for (column, value) in values where stored[column] as DatabaseValue != value {
                throw StoreError.corrupt(seq: lastSeq, reason: "records.\(column) of \(id) differs from a replay of the log")
            }
            summary.digest.add(values.map(\.1))
            summary.count += 1
            if summary.count % 100_000 == 0 { progress("records", summary.count) }
        }
        return summary
    }

    /// The read models other than records, which are small enough to rebuild in memory and compare.
    private static let smallReadModels = ["datasets", "users", "proposals", "annotations", "reports"]

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
                let expected = try Row.fetchAll(memory, sql: "SELECT * FROM \(table) ORDER BY id")
                let actual = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY id")
                guard expected == actual else {
                    throw StoreError.corrupt(seq: nil, reason: "the \(table) read model differs from a replay of the log")
                }
            }
        }
    }

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
        var hasher = SHA256()
        for value in values {
            switch value.storage {
            case .null: hasher.update(data: [0])
            case .int64(let number): hasher.update(data: Array("i\(number)\u{1F}".utf8))
            case .double(let number): hasher.update(data: Array("d\(number)\u{1F}".utf8))
            case .string(let text): hasher.update(data: Array("s\(text.utf8.count):\(text)".utf8))
            case .blob(let data): hasher.update(data: Array("b\(data.count):".utf8) + data)
            }
        }
        let bytes = Array(hasher.finalize())
        func lane(_ index: Int) -> UInt64 { bytes[index * 8..<index * 8 + 8].reduce(0) { $0 << 8 | UInt64($1) } }
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
