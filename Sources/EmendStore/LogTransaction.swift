import EmendCore
import Foundation
import GRDB

/// Appends to the log inside one write transaction, keeping the hash chain and updating the read models.
public struct LogTransaction {
    public let db: Database
    /// One moment for the whole transaction, never earlier than the last event's, so time order follows `seq`.
    public let now: Timestamp
    public private(set) var lastSeq: Int64
    private var lastHash: [UInt8]

    init(db: Database, now: Timestamp) throws {
        self.db = db
        if let row = try Row.fetchOne(db, sql: "SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1") {
            lastSeq = row["seq"]
            lastHash = [UInt8](row["hash"] as Data)
            self.now = max(now, Timestamp(milliseconds: row["recorded_at"]))
        } else {
            lastSeq = 0
            lastHash = HashChain.genesis
            self.now = now
        }
    }

    /// The version a stream is at (0 when it has no events).
    public func version(of stream: String) throws -> Int64 {
        let statement = try db.cachedStatement(
            sql: "SELECT stream_version FROM events WHERE stream = ? ORDER BY stream_version DESC LIMIT 1")
        return try Int64.fetchOne(statement, arguments: [stream]) ?? 0
    }

    /// Appends one event to its stream, which must be at `expectedVersion`, and projects it.
    @discardableResult
    public mutating func append(_ event: NewEvent, expectedVersion: Int64) throws -> RecordedEvent {
        // A new stream needs no look-up: UNIQUE (stream, stream_version) refuses a second version 1.
        if expectedVersion > 0 {
            let actual = try version(of: event.stream)
            guard actual == expectedVersion else {
                throw StoreError.conflict(stream: event.stream, expected: expectedVersion, actual: actual)
            }
        }
        let recorded = RecordedEvent(
            seq: lastSeq + 1, id: UUID().uuidString.lowercased(), stream: event.stream,
            streamVersion: expectedVersion + 1, type: event.type, recordedAt: now, actor: event.actor,
            data: event.data)
        do {
            try insert(recorded, canonicalData: CanonicalJSON.encode(event.data))
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError.conflict(stream: event.stream, expected: expectedVersion, actual: try version(of: event.stream))
        }
        try Projector.apply(recorded, db: db)
        return recorded
    }

    /// Appends an event that already has its place in a log (replay from an export). Its hash must chain.
    mutating func appendExisting(_ event: RecordedEvent, hash: [UInt8]) throws {
        guard event.seq == lastSeq + 1 else {
            throw StoreError.corrupt(seq: event.seq, reason: "expected seq \(lastSeq + 1)")
        }
        let streamVersion = try version(of: event.stream)
        guard event.streamVersion == streamVersion + 1 else {
            throw StoreError.corrupt(
                seq: event.seq, reason: "\(event.stream) is at version \(streamVersion), not \(event.streamVersion - 1)")
        }
        let data = CanonicalJSON.encode(event.data)
        let canonical = HashChain.canonical(
            seq: event.seq, id: event.id, stream: event.stream, streamVersion: event.streamVersion,
            type: event.type, recordedAt: event.recordedAt, actor: event.actor, canonicalData: data)
        guard HashChain.hash(previous: lastHash, canonical: canonical) == hash else {
            throw StoreError.corrupt(seq: event.seq, reason: "hash does not match the event and the chain before it")
        }
        try insert(event, canonicalData: data, hash: hash)
        try Projector.apply(event, db: db)
    }

    private mutating func insert(_ event: RecordedEvent, canonicalData: [UInt8], hash known: [UInt8]? = nil) throws {
        let hash = known ?? HashChain.hash(
            previous: lastHash,
            canonical: HashChain.canonical(
                seq: event.seq, id: event.id, stream: event.stream, streamVersion: event.streamVersion,
                type: event.type, recordedAt: event.recordedAt, actor: event.actor, canonicalData: canonicalData))
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO events (seq, id, stream, stream_version, type, recorded_at, actor, data, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        statement.setUncheckedArguments([
            event.seq, event.id, event.stream, event.streamVersion, event.type, event.recordedAt.milliseconds,
            event.actor, String(decoding: canonicalData, as: UTF8.self), Data(hash),
        ])
        try statement.execute()
        lastSeq = event.seq
        lastHash = hash
    }
}
