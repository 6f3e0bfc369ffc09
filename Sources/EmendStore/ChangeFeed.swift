import EmendCore
import Foundation
import GRDB

/// One term that a curator changed on a record (an accepted proposal, or a revert): what a museum applies to its
/// own collection database so that nothing is lost between the two.
public struct AcceptedChange: Sendable, Equatable {
    /// The event that made the change, and its id.
    public var seq: Int64
    public var eventID: String
    public var recordedAt: Timestamp
    public var recordID: String
    /// The record version the change made.
    public var version: Int64
    public var institutionCode: String?
    public var collectionCode: String?
    public var catalogNumber: String?
    public var occurrenceID: String?
    public var term: String
    public var from: String?
    public var to: String?
    /// `proposal` or `revert`.
    public var cause: String
    public var contributor: String?
    public var curator: String?
}

extension Store {
    /// The changes curators made after `since` (not re-imports: those come from the museum), oldest first, one a
    /// term, from at most `limit` events; `next` is the seq to ask `since` next, when there may be more.
    /// Revisions are read through the history read model's index of superseded versions, not by scanning the log.
    public func acceptedChanges(
        since: Int64, institutionCode: String?, collectionCode: String?, limit: Int
    ) throws -> (changes: [AcceptedChange], next: Int64?) {
        var conditions = Conditions()
        conditions.add("record_history.superseded_seq > ?", [since])
        conditions.add("json_extract(events.data, '$.cause.kind') IN ('proposal', 'revert')")
        if let institutionCode { conditions.add("records.institution_code = ?", [institutionCode]) }
        if let collectionCode { conditions.add("records.collection_code = ?", [collectionCode]) }
        return try read { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT events.seq, events.id AS event_id, events.recorded_at, events.stream_version, events.data,
                               records.id AS record_id, records.institution_code, records.collection_code, records.catalog_number,
                               json_extract(\(RecordRow.fieldsSQL("records")), '$.occurrenceID') AS occurrence_id,
                               (SELECT name FROM users WHERE users.id = json_extract(events.data, '$.cause.contributor')) AS contributor,
                               (SELECT name FROM users WHERE users.id = json_extract(events.data, '$.cause.curator')) AS curator
                        FROM record_history
                        JOIN events ON events.seq = record_history.superseded_seq
                        JOIN records ON records.rowid = record_history.record_rowid
                        WHERE \(conditions.sql) ORDER BY record_history.superseded_seq LIMIT ?
                        """),
                arguments: conditions.arguments + [limit])
            let changes = try rows.flatMap { row in
                let data = try JSONParser.parse(row["data"] as String)
                return (data["changes"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { term, change in
                    AcceptedChange(
                        seq: row["seq"], eventID: row["event_id"], recordedAt: Timestamp(milliseconds: row["recorded_at"]),
                        recordID: row["record_id"], version: row["stream_version"], institutionCode: row["institution_code"],
                        collectionCode: row["collection_code"], catalogNumber: row["catalog_number"], occurrenceID: row["occurrence_id"],
                        term: term, from: change["from"]?.stringValue, to: change["to"]?.stringValue,
                        cause: data["cause"]?["kind"]?.stringValue ?? "", contributor: row["contributor"], curator: row["curator"])
                }
            }
            return (changes, rows.count == limit ? rows.last?["seq"] : nil)
        }
    }
}
