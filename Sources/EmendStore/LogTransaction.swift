import Crypto
import EmendCore
import Foundation
import GRDB

/// Appends to the log inside one write transaction, keeping the hash chain and updating the read models, and
/// signing a checkpoint of the log whenever it is `Checkpoints.interval` events past the last one.
public struct LogTransaction {
    public let db: Database
    /// One moment for the whole transaction, never earlier than the last event's, so time order follows `seq`.
    public let now: Timestamp
    public private(set) var lastSeq: Int64
    private var lastHash: [UInt8]
    private let insertEvent: Statement
    private let signingKey: Curve25519.Signing.PrivateKey
    /// The tree size of the last checkpoint.
    private var checkpointed: Int64
    /// When the last event was recorded: times never go back along the log, so a time finds its seq by bisection.
    private var lastRecordedAt: Int64

    init(db: Database, now: Timestamp, signingKey: Curve25519.Signing.PrivateKey) throws {
        self.db = db
        self.signingKey = signingKey
        checkpointed = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(tree_size) FROM checkpoints")) ?? 0
        insertEvent = try db.cachedStatement(
            sql: """
                INSERT INTO events (seq, id, stream, stream_version, type, recorded_at, actor, data, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1")) {
            lastSeq = row["seq"]
            lastHash = [UInt8](row["hash"] as Data)
            lastRecordedAt = row["recorded_at"]
            self.now = max(now, Timestamp(milliseconds: lastRecordedAt))
        } else {
            lastSeq = 0
            lastHash = HashChain.genesis
            lastRecordedAt = Int64.min
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
        var chain = self.chain
        let prepared = chain.next(
            stream: event.stream, streamVersion: expectedVersion + 1, type: event.type, actor: event.actor,
            canonicalData: CanonicalJSON.encode(event.data))
        do {
            try insert(prepared)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError.conflict(stream: event.stream, expected: expectedVersion, actual: try version(of: event.stream))
        }
        let recorded = RecordedEvent(
            seq: prepared.seq, id: prepared.id, stream: event.stream, streamVersion: prepared.streamVersion,
            type: event.type, recordedAt: now, actor: event.actor, data: event.data)
        try Projector.apply(recorded, db: db)
        return recorded
    }

    /// Where the log ends: what events prepared away from the writer chain on to.
    var chain: EventChain { EventChain(lastSeq: lastSeq, lastHash: lastHash, now: now) }

    /// Appends an event that already has its place in a log (replay from an export). Its hash must chain.
    /// Returns the change it made to a record's row, if any.
    mutating func appendExisting(_ event: RecordedEvent, hash: [UInt8]) throws -> Projector.RecordChange? {
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
        try insert(
            PreparedEvent(
                seq: event.seq, id: event.id, stream: event.stream, streamVersion: event.streamVersion, type: event.type,
                recordedAt: event.recordedAt, actor: event.actor, canonicalData: data, previousHash: lastHash, hash: hash))
        return try Projector.apply(event, db: db)
    }

    /// Writes an event whose place in the log was worked out ahead (by `chain`); it must follow the last one.
    /// Projecting it is the caller's business.
    mutating func insert(_ event: PreparedEvent) throws {
        guard event.seq == lastSeq + 1, event.previousHash == lastHash else {
            throw StoreError.corrupt(seq: event.seq, reason: "does not follow seq \(lastSeq) in the chain")
        }
        guard event.recordedAt.milliseconds >= lastRecordedAt else {
            throw StoreError.corrupt(seq: event.seq, reason: "recorded at \(event.recordedAt.rfc3339), before the event before it")
        }
        insertEvent.bind(event.seq.databaseValue, at: 1)
        insertEvent.bind(event.id.databaseValue, at: 2)
        insertEvent.bind(event.stream.databaseValue, at: 3)
        insertEvent.bind(event.streamVersion.databaseValue, at: 4)
        insertEvent.bind(event.type.databaseValue, at: 5)
        insertEvent.bind(event.recordedAt.milliseconds.databaseValue, at: 6)
        insertEvent.bind(event.actor.databaseValue, at: 7)
        insertEvent.bind(event.canonicalData, asText: true, at: 8)
        insertEvent.bind(event.hash, asText: false, at: 9)
        try insertEvent.executeBound(db: db)
        lastSeq = event.seq
        lastHash = event.hash
        lastRecordedAt = event.recordedAt.milliseconds
        if lastSeq - checkpointed >= Checkpoints.interval { try checkpoint() }
    }

    /// Signs a checkpoint of the log as it stands in this transaction, unless the last one covers it already.
    mutating func checkpoint() throws {
        guard lastSeq > checkpointed else { return }
        try Checkpoints.make(treeSize: lastSeq, timestamp: now, key: signingKey, db: db)
        checkpointed = lastSeq
    }
}

/// The end of the log as events are added to it: gives each next event its seq, id, time and hash. Bulk writers
/// use it on another thread than the SQLite writer's, so that hashing overlaps writing.
struct EventChain: Sendable {
    private(set) var lastSeq: Int64
    private(set) var lastHash: [UInt8]
    let now: Timestamp
    private let nowText: String

    init(lastSeq: Int64, lastHash: [UInt8], now: Timestamp) {
        self.lastSeq = lastSeq
        self.lastHash = lastHash
        self.now = now
        nowText = now.rfc3339
    }

    mutating func next(
        stream: String, streamVersion: Int64, type: String, actor: String, canonicalData: [UInt8]
    ) -> PreparedEvent {
        let seq = lastSeq + 1
        let id = Identifiers.randomUUID()
        let hash = HashChain.hash(
            previous: lastHash,
            canonical: HashChain.canonical(
                seq: seq, id: id, stream: stream, streamVersion: streamVersion, type: type, recordedAt: nowText,
                actor: actor, canonicalData: canonicalData))
        let event = PreparedEvent(
            seq: seq, id: id, stream: stream, streamVersion: streamVersion, type: type, recordedAt: now, actor: actor,
            canonicalData: canonicalData, previousHash: lastHash, hash: hash)
        lastSeq = seq
        lastHash = hash
        return event
    }
}

/// An event with its place in the log, its canonical data text and its hash: ready to be written.
struct PreparedEvent: Sendable {
    var seq: Int64
    var id: String
    var stream: String
    var streamVersion: Int64
    var type: String
    var recordedAt: Timestamp
    var actor: String
    var canonicalData: [UInt8]
    var previousHash: [UInt8]
    var hash: [UInt8]
}
