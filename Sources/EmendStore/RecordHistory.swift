import EmendCore
import GRDB

/// The history read model: each version of a record that a later event superseded, in `record_history`, beside
/// `records`, which holds the current ones. The versions current at seq S are the rows of `records` unchanged
/// since S, and the rows here with seq ≤ S < superseded_seq.
extension RecordRow {
    /// One version and the event that superseded it.
    struct Superseded {
        var row: RecordRow
        var supersededBy: Int64
    }

    /// Keeps this version, which the event `supersededBy` replaces, in `record_history` and its full-text index.
    func keepInHistory(supersededBy: Int64, db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO record_history (record_rowid, superseded_seq, \(Self.columns)) VALUES (\(Self.placeholders(extra: 2)))"
        ).executeBulk([rowid.databaseValue, supersededBy.databaseValue] + values, db: db)
        try db.cachedStatement(sql: "INSERT INTO record_history_fts (rowid, taxon, place, people) VALUES (?, ?, ?, ?)")
            .executeBulk([seq.databaseValue] + searchText.map(\.databaseValue), db: db)
    }

    /// The versions a record's events make, folded in order: the last one (nil when they create no record) and
    /// each earlier one with the event that superseded it. What `records` and `record_history` hold for it.
    static func versions(id: String, rowid: Int64, events: [RecordedEvent]) -> (current: RecordRow?, superseded: [Superseded]) {
        var current: RecordRow?
        var superseded: [Superseded] = []
        for event in events {
            let state = RecordState.apply(event, to: current?.state, id: id)
            if let previous = current, let state, state.version != previous.state.version {
                superseded.append(Superseded(row: previous, supersededBy: event.seq))
            }
            current = state.map { state in
                var row = RecordRow(
                    state: state, seq: event.seq, recordedAt: event.recordedAt.milliseconds, fieldsInEvent: fieldsInEvent(event))
                row.rowid = rowid
                return row
            }
        }
        return (current, superseded)
    }

    /// Fills `record_history` from the log, for a database whose records were revised before it was kept.
    static func rebuildHistory(_ db: Database) throws {
        let streamEvents = try db.makeStatement(
            sql: "SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events WHERE stream = ? ORDER BY stream_version")
        for record in try Row.fetchAll(db, sql: "SELECT rowid, id FROM records WHERE version > 1") {
            let id: String = record["id"]
            let events = try Row.fetchAll(streamEvents, arguments: [RecordState.stream(id)]).map { try Store.event($0) }
            for version in versions(id: id, rowid: record["rowid"], events: events).superseded {
                // Until migration 18, every row holds its fields; that migration drops the copies of imported ones.
                var row = version.row
                row.fieldsInEvent = false
                try row.keepInHistory(supersededBy: version.supersededBy, db: db)
            }
        }
    }
}
