import EmendCore
import Foundation
import GRDB

/// One version of a record, with the event that made it.
public struct RecordVersion: Sendable, Equatable {
    /// The quality flags of this version, judged as of its time: what the records read model keeps, with each
    /// finding's explanation.
    public var flags: [QualityFlag] { QualityChecks.check(RecordTerms(state.fields), now: recordedAt.milliseconds) }

    public var state: RecordState
    public var seq: Int64
    public var recordedAt: Timestamp
    public var actor: String
    /// What made this version: `{"kind": "import", ...}` and later `{"kind": "proposal", ...}`; nil for version 1.
    public var cause: JSONValue?
    /// The terms this version changed from the one before (empty for version 1).
    public var changes: [TermChange]
}

/// A change to a record after its first version.
public struct Revision: Sendable, Equatable {
    public var recordID: String
    public var version: Int64
    public var seq: Int64
    public var recordedAt: Timestamp
    public var cause: JSONValue?
    public var changes: [TermChange]
}

public struct DatasetInfo: Sendable, Equatable {
    public var id: String
    public var title: String
    public var source: String
    public var recordCount: Int
    public var importCount: Int
    public var lastImportAt: Timestamp
}

extension Store {
    /// A record as it is now, or at `version`. Throws `notFound` for an unknown id or version.
    public func record(id: String, version: Int64? = nil) throws -> RecordVersion {
        if let version {
            let history = try history(id: id)
            guard let match = history.first(where: { $0.state.version == version }) else {
                throw StoreError.notFound("version \(version) of record \(id) (it has \(history.count))")
            }
            return match
        }
        return try read { db in
            guard let row = try RecordRow.fetch(id: id, db: db) else { throw StoreError.notFound("record \(id)") }
            // The event's data is only read for a revision, whose cause the answer carries.
            let event = try db.cachedStatement(
                sql: "SELECT recorded_at, actor, CASE WHEN type = ? THEN data END AS revision FROM events WHERE seq = ?")
            guard let made = try Row.fetchOne(event, arguments: [EventType.recordRevised, row.seq]) else {
                throw StoreError.corrupt(seq: row.seq, reason: "records names an event the log does not have")
            }
            let cause = try (made["revision"] as String?).map { try JSONParser.parse($0)["cause"] } ?? nil
            return RecordVersion(
                state: row.state, seq: row.seq, recordedAt: Timestamp(milliseconds: made["recorded_at"]),
                actor: made["actor"], cause: cause, changes: [])
        }
    }

    /// A record as it was when the log ended at `asOf`: its last version by then. Throws `notFound` when the record
    /// did not exist yet.
    public func record(id: String, asOf: LogPosition) throws -> RecordVersion {
        try history(id: id, asOf: asOf).last!
    }

    /// Every version of a record, oldest first, each with the terms it changed; as of a position in the log, the
    /// versions up to it.
    public func history(id: String, asOf: LogPosition? = nil) throws -> [RecordVersion] {
        let events = try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events
                    WHERE stream = ? AND seq <= ? ORDER BY stream_version
                    """), arguments: [RecordState.stream(id), asOf?.seq ?? Int64.max]).map { try Self.event($0) }
        }
        var versions: [RecordVersion] = []
        var state: RecordState?
        for event in events {
            let previous = state
            state = RecordState.apply(event, to: state, id: id)
            guard let state, state.version == event.streamVersion else { continue }
            versions.append(
                RecordVersion(
                    state: state, seq: event.seq, recordedAt: event.recordedAt, actor: event.actor,
                    cause: event.data["cause"],
                    changes: previous.map { TermChange.between($0.fields, state.fields, among: Self.namedTerms(event)) } ?? []))
        }
        guard !versions.isEmpty else { throw StoreError.notFound("record \(id)\(asOf.map { " as of seq \($0.seq)" } ?? "")") }
        return versions
    }

    /// The terms a RecordRevised names: the fold changes no other.
    private static func namedTerms(_ event: RecordedEvent) -> [String]? {
        event.type == EventType.recordRevised ? event.data["changes"]?.objectValue.map { Array($0.keys) } : nil
    }

    /// A record as it was at `version`, folded from its events; nil when it has no such version.
    static func state(of id: String, atVersion version: Int64, db: Database) throws -> RecordState? {
        let events = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events
                WHERE stream = ? AND stream_version <= ? ORDER BY stream_version
                """), arguments: [RecordState.stream(id), version])
        let state = try events.reduce(nil) { state, row in RecordState.apply(try event(row), to: state, id: id) }
        return state?.version == version ? state : nil
    }

    public func dataset(id: String) throws -> DatasetInfo {
        try read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM datasets WHERE id = ?"), arguments: [id]) else {
                throw StoreError.notFound("dataset \(id)")
            }
            return Self.dataset(row)
        }
    }

    public func datasets() throws -> [DatasetInfo] {
        try read { db in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM datasets ORDER BY title")).map(Self.dataset) }
    }

    /// The latest changes to records after their first import, newest first. Each revision superseded a version,
    /// so the history's index of superseded versions finds them: reading the log back for them read all of a
    /// million events when none had been revised yet (the home page took 0.7–1 s, now under 0.2 s).
    public func recentRevisions(limit: Int = 10) throws -> [Revision] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events
                    WHERE seq IN (SELECT superseded_seq FROM record_history ORDER BY superseded_seq DESC LIMIT ?)
                    ORDER BY seq DESC
                    """), arguments: [limit]).map { row in
                let event = try Self.event(row)
                let changes = (event.data["changes"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { term, change in
                    TermChange(term: term, from: change["from"]?.stringValue, to: change["to"]?.stringValue)
                }
                return Revision(
                    recordID: Projector.streamID(event.stream), version: event.streamVersion, seq: event.seq,
                    recordedAt: event.recordedAt, cause: event.data["cause"], changes: changes)
            }
        }
    }

    private static func dataset(_ row: Row) -> DatasetInfo {
        DatasetInfo(
            id: row["id"], title: row["title"], source: row["source"], recordCount: row["record_count"],
            importCount: row["import_count"], lastImportAt: Timestamp(milliseconds: row["last_import_at"]))
    }
}
