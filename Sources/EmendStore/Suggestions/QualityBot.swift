import EmendCore
import Foundation
import GRDB

/// What one run of the quality bot did.
public struct SuggestionRun: Sendable, Equatable {
    /// Record versions checked.
    public var checked = 0
    /// Machine suggestions filed, by rule.
    public var suggested: [String: Int] = [:]
    /// Suggestions not filed because one was made before: for the same record version and rule, one of the rule is
    /// still open on the record, or the curator rejected the same change.
    public var alreadySuggested = 0
    /// Records that changed between reading and writing: the next run checks their new version.
    public var changedMeanwhile = 0
    /// The highest record seq checked: every record version up to it has been looked at.
    public var through: Int64 = 0
    /// Write transactions.
    public var transactions = 0

    public var suggestedTotal: Int { suggested.values.reduce(0, +) }

    public init() {}
}

extension Store {
    /// The stream of the quality bot's own events (`QualityChecked`, its watermark).
    static let qualityBotStream = "bot/quality"

    /// The highest record seq the quality bot has recorded as checked: the `through` of its last `QualityChecked`
    /// event, 0 before the first. Derived from the log, so a replay gives the same.
    public func qualityWatermark() throws -> Int64 {
        try read { db in try Self.qualityWatermark(db) }
    }

    static func qualityWatermark(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT json_extract(data, '$.through') FROM events WHERE stream = ? ORDER BY stream_version DESC LIMIT 1
                """), arguments: [qualityBotStream]) ?? 0
    }

    /// The seq of the newest record version (0 when there are none): the bot has work when it is past its watermark.
    public func lastRecordSeq() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM records") ?? 0 }
    }

    /// Files machine suggestions from `system:quality` for the records changed since `after` (default: the bot's
    /// watermark in the log), in record seq order: for each record whose current version has a quality flag with
    /// suggested changes, one ProposalSubmitted per rule, carrying the rule. Never applied by itself.
    ///
    /// Idempotent: no suggestion for a record version and rule that has one, none while one of the rule is still
    /// pending on the record, and none that repeats a change a curator rejected. Checking reads `batchSize`
    /// records at a time outside any write; each batch's suggestions are then filed in one short transaction,
    /// after making sure each record is still at the version checked. The watermark (a `QualityChecked` event) is
    /// written every `persistEvery` records checked, and at the end of a run that filed anything or when
    /// `persistAtEnd`: a run that stops early only repeats checks the next time, since what is filed is decided by
    /// the proposals, not by the watermark. Date checks take the time of the event that made the version as "now",
    /// so the same version always gives the same suggestions. A run stops after the batch that reaches
    /// `maxRecords`; its `through` is where the next one starts.
    @discardableResult
    public func suggestQualityFixes(
        after: Int64? = nil, batchSize: Int = 1_000, maxRecords: Int = .max, persistEvery: Int = 50_000, persistAtEnd: Bool = true,
        progress: (SuggestionRun) -> Void = { _ in }
    ) throws -> SuggestionRun {
        var run = SuggestionRun()
        run.through = try after ?? qualityWatermark()
        // Record versions checked, and suggestions filed, since the last QualityChecked event.
        var unpersisted = 0, filedSincePersisted: [String: Int] = [:]
        while true {
            let batch = try checkBatch(after: run.through, limit: batchSize)
            guard let last = batch.last else { break }
            let atEnd = batch.count < batchSize
            let candidates = batch.filter { !$0.suggestions.isEmpty }
            unpersisted += batch.count
            // The watermark goes into the log every `persistEvery` records, and at the end when asked to or when
            // suggestions were filed since the last one.
            func persist() -> Bool { unpersisted >= persistEvery || (atEnd && (persistAtEnd || !filedSincePersisted.isEmpty)) }
            if !candidates.isEmpty || persist() {
                let persisted = try write { log -> Bool in
                    for candidate in candidates {
                        guard let record = try RecordRow.fetch(id: candidate.id, db: log.db), record.seq == candidate.seq else {
                            run.changedMeanwhile += 1
                            continue
                        }
                        for suggestion in candidate.suggestions {
                            if try Self.fileSuggestion(suggestion, on: record.state, log: &log) {
                                filedSincePersisted[suggestion.rule.rawValue, default: 0] += 1
                                run.suggested[suggestion.rule.rawValue, default: 0] += 1
                            } else {
                                run.alreadySuggested += 1
                            }
                        }
                    }
                    guard persist() else { return false }
                    try Self.recordChecked(through: last.seq, checked: unpersisted, suggested: filedSincePersisted, log: &log)
                    return true
                }
                run.transactions += 1
                if persisted {
                    unpersisted = 0
                    filedSincePersisted = [:]
                }
            }
            run.checked += batch.count
            run.through = last.seq
            progress(run)
            if atEnd || run.checked >= maxRecords { break }
        }
        // A run whose last batch was full ends on an empty read, with its last batches not recorded yet.
        if unpersisted > 0, persistAtEnd || !filedSincePersisted.isEmpty {
            try write { log in
                try Self.recordChecked(through: run.through, checked: unpersisted, suggested: filedSincePersisted, log: &log)
            }
            run.transactions += 1
        }
        return run
    }

    /// The bot's watermark: every record version up to seq `through` is checked.
    private static func recordChecked(through: Int64, checked: Int, suggested: [String: Int], log: inout LogTransaction) throws {
        try log.append(
            NewEvent(
                stream: qualityBotStream, type: EventType.qualityChecked, actor: QualitySuggestions.actor,
                data: [
                    "through": .int(through), "checked": .int(Int64(checked)),
                    "suggested": .object(suggested.mapValues { .int(Int64($0)) }),
                ]),
            expectedVersion: try log.version(of: qualityBotStream))
    }

    /// A record version checked, with the suggestions its flags imply.
    private struct Checked: Sendable {
        var id: String
        var seq: Int64
        var suggestions: [QualitySuggestions.Suggestion]
    }

    /// A record version to check: its fields as stored, and the time of the event that made it.
    private struct Unchecked: Sendable {
        var id: String
        var seq: Int64
        var fields: String
        var recordedAt: Int64
    }

    /// The next `limit` record versions after seq `after`, in seq order, checked (each with its own event's time)
    /// once the read is over, half of them on another core: the checks are most of the work.
    private func checkBatch(after: Int64, limit: Int) throws -> [Checked] {
        let rows = try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT records.id, records.seq, \(RecordRow.fieldsSQL("records")) AS fields, events.recorded_at
                    FROM records JOIN events ON events.seq = records.seq
                    WHERE records.seq > ? ORDER BY records.seq LIMIT ?
                    """), arguments: [after, limit])
                .map { Unchecked(id: $0["id"], seq: $0["seq"], fields: $0["fields"], recordedAt: $0["recorded_at"]) }
        }
        let secondHalf = Array(rows[(rows.count / 2)...])
        let second = Pending { try Self.check(secondHalf) }
        return try Self.check(Array(rows[..<(rows.count / 2)])) + second.value()
    }

    private static func check(_ rows: [Unchecked]) throws -> [Checked] {
        try rows.map { row in
            let fields = try JSONParser.parse(row.fields).stringMap ?? [:]
            return Checked(id: row.id, seq: row.seq, suggestions: QualitySuggestions.suggestions(fields, now: row.recordedAt))
        }
    }

    /// Files one suggestion on the record's current version unless it was made before (see `suggestQualityFixes`).
    /// Returns whether it filed it.
    private static func fileSuggestion(
        _ suggestion: QualitySuggestions.Suggestion, on record: RecordState, log: inout LogTransaction
    ) throws -> Bool {
        let data: JSONValue
        do {
            let proposal = try Contributions.proposal(for: record, changes: suggestion.changes, rationale: suggestion.rationale)
            data = .object((proposal.objectValue ?? [:]).merging(["rule": .string(suggestion.rule.rawValue)]) { $1 })
        } catch {
            return false  // a fix the proposal rules refuse (one that changes nothing) is not filed
        }
        let made = try Bool.fetchOne(log.db.cachedStatement(sql: """
                SELECT EXISTS (
                  SELECT 1 FROM proposals INDEXED BY proposals_record WHERE record_id = ? AND rule = ? AND actor = ?
                    AND (status IN ('open', 'needs-info') OR base_version = ? OR (status = 'rejected' AND changes = ?)))
                """), arguments: [
                record.id, suggestion.rule.rawValue, QualitySuggestions.actor, record.version,
                CanonicalJSON.string(data["changes"] ?? [:]),
            ]) ?? false
        if made { return false }
        try log.append(
            NewEvent(stream: "proposal/\(newID())", type: EventType.proposalSubmitted, actor: QualitySuggestions.actor, data: data),
            expectedVersion: 0)
        return true
    }
}
