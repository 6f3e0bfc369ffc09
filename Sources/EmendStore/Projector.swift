import EmendCore
import Foundation
import GRDB

/// Updates the read models for one event. The same code runs on append and on replay, so a replay of the log
/// gives exactly the read models the appends gave.
enum Projector {
    /// A record's row as an event changed it: the row it replaced (none for a new record), and the new one.
    typealias RecordChange = (replaced: RecordRow?, by: RecordRow)

    /// Returns the change to a record's row, for the bulk loads that count the records themselves (the triggers
    /// that count them otherwise are off then).
    @discardableResult
    static func apply(_ event: RecordedEvent, db: Database) throws -> RecordChange? {
        switch event.type {
        case EventType.recordImported, EventType.recordRevised:
            return try projectRecord(event, db: db)
        case EventType.datasetImported:
            try db.cachedStatement(sql: """
                    INSERT INTO datasets (id, title, source, record_count, import_count, last_import_seq, last_import_at)
                    VALUES (:id, :title, :source, (SELECT count(*) FROM records WHERE dataset_id = :id), 1, :seq, :at)
                    ON CONFLICT (id) DO UPDATE SET
                      title = excluded.title, source = excluded.source, record_count = excluded.record_count,
                      import_count = import_count + 1, last_import_seq = excluded.last_import_seq,
                      last_import_at = excluded.last_import_at
                    """).execute(arguments: [
                    "id": streamID(event.stream), "title": event.data["title"]?.stringValue ?? "",
                    "source": event.data["source"]?.stringValue ?? "", "seq": event.seq,
                    "at": event.recordedAt.milliseconds,
                ])
        case EventType.userAdded:
            try db.cachedStatement(sql: "INSERT INTO users (id, name, role, scopes, created_seq) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [
                    streamID(event.stream), event.data["name"]?.stringValue, event.data["role"]?.stringValue,
                    CanonicalJSON.string(event.data["scopes"] ?? []), event.seq,
                ])
        case EventType.proposalSubmitted, EventType.annotationAdded, EventType.reportFiled:
            try projectContribution(event, db: db)
        case EventType.proposalAccepted, EventType.proposalRejected, EventType.reportResolved, EventType.annotationHidden,
            EventType.proposalQuestioned, EventType.proposalAmended:
            try projectDecision(event, db: db)
        default:
            break
        }
        return nil
    }

    static func streamID(_ stream: String) -> String {
        String(stream[stream.index(after: stream.firstIndex(of: "/") ?? stream.startIndex)...])
    }

    private static func projectRecord(_ event: RecordedEvent, db: Database) throws -> RecordChange {
        let id = streamID(event.stream)
        // A RecordImported event starts its stream (the append checked version 0), so there is nothing to fetch.
        let existing = event.type == EventType.recordImported ? nil : try RecordRow.fetch(id: id, db: db)
        guard let state = RecordState.apply(event, to: existing?.state, id: id) else {
            throw StoreError.corrupt(seq: event.seq, reason: "\(event.type) for a record that does not exist")
        }
        let row = RecordRow(
            state: state, seq: event.seq, recordedAt: event.recordedAt.milliseconds, fieldsInEvent: RecordRow.fieldsInEvent(event))
        if let existing {
            try existing.removeFromIndexes(db: db)
            try existing.keepInHistory(supersededBy: event.seq, db: db)
            try row.update(rowid: existing.rowid, db: db)
            let moved = ["institutionCode", "collectionCode"].contains { existing.state.fields[$0] != state.fields[$0] }
            if moved {
                try db.cachedStatement(sql: "UPDATE proposals SET institution_code = ?, collection_code = ? WHERE record_id = ?")
                    .execute(arguments: [state.fields["institutionCode"], state.fields["collectionCode"], id])
            }
        } else {
            try row.insert(db: db)
        }
        return (existing, row)
    }
}
