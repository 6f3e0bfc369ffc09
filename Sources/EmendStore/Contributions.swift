import EmendCore
import Foundation
import GRDB

public struct Proposal: Sendable, Equatable {
    public var id: String
    public var recordID: String
    public var baseVersion: Int64
    public var changes: [TermChange]
    public var rationale: String
    public var actor: String
    public var actorName: String?
    public var status: String
    public var seq: Int64
    public var submittedAt: Timestamp
    /// Once decided: who, when, why (a rejection's reason or an acceptance's note), and the version accepting made.
    public var decidedBy: String?
    public var decidedAt: Timestamp?
    public var reason: String?
    public var acceptedVersion: Int64?
    /// A curator's question, and the contributor's answer.
    public var question: String?
    public var answer: String?
    /// A machine suggestion's quality rule (a flag's code, e.g. PRESUMED_SWAPPED_COORDINATE); nil for people's proposals.
    public var rule: String?

    /// A machine suggestion: filed by `system:quality` for a quality rule, never applied until a curator accepts it.
    public var isMachineSuggestion: Bool { rule != nil && actor == QualitySuggestions.actor }

    /// Still to be decided: open, or waiting for the contributor's answer.
    public var isPending: Bool { status == "open" || status == "needs-info" }
}

public struct Annotation: Sendable, Equatable {
    public var id: String
    public var recordID: String
    public var version: Int64
    public var motivation: String
    public var text: String
    public var term: String?
    public var actor: String
    public var actorName: String?
    public var seq: Int64
    public var createdAt: Timestamp
}

public struct Report: Sendable, Equatable {
    public var id: String
    public var recordID: String
    public var version: Int64
    public var category: String
    public var description: String
    public var term: String?
    public var actor: String
    public var status: String
    public var seq: Int64
    public var filedAt: Timestamp
    /// Once resolved: the curator's note, and the record version that fixed it.
    public var note: String?
    public var fixedVersion: Int64?
    /// The proposal a curator made of it.
    public var proposalID: String?
}

/// The contributions on a record, or by one contributor, newest first.
public struct ContributionList: Sendable, Equatable {
    public var proposals: [Proposal] = []
    public var annotations: [Annotation] = []
    public var reports: [Report] = []
}

extension Store {
    /// Records a proposed correction of a record. The proposal must be based on the record's current version:
    /// a stale base is a conflict, so that the contributor sees the values they would overwrite.
    public func submitProposal(
        record id: String, baseVersion: Int64, changes: [String: String?], rationale: String, actor: User
    ) throws -> Proposal {
        try write { log in
            let record = try currentRecord(id, db: log.db)
            guard baseVersion <= record.version else {
                throw InvalidInput(field: "baseVersion", reason: "record \(id) has no version \(baseVersion); it is at \(record.version)")
            }
            guard record.version == baseVersion else {
                throw StoreError.conflict(stream: RecordState.stream(id), expected: baseVersion, actual: record.version)
            }
            let data = try Contributions.proposal(for: record, changes: changes, rationale: rationale)
            let event = try log.append(
                NewEvent(stream: "proposal/\(Self.newID())", type: EventType.proposalSubmitted, actor: actor.id, data: data),
                expectedVersion: 0)
            return try Self.proposals(log.db, where: "proposals.seq = ?", [event.seq])[0]
        }
    }

    /// Records a public note on a record's current version.
    public func annotate(record id: String, motivation: String, text: String, term: String?, actor: User) throws -> Annotation {
        try write { log in
            let data = try Contributions.annotation(
                for: try currentRecord(id, db: log.db), motivation: motivation, text: text, term: term)
            let event = try log.append(
                NewEvent(stream: "annotation/\(Self.newID())", type: EventType.annotationAdded, actor: actor.id, data: data),
                expectedVersion: 0)
            return try Self.annotations(log.db, where: "annotations.seq = ?", [event.seq])[0]
        }
    }

    /// Records a problem report. `actor` is a user id or `anonymous:<opaque>`; the e-mail address, if given,
    /// is kept outside the public log for the curators' follow-up.
    public func report(
        record id: String, category: String, description: String, term: String?, email: String?, actor: String
    ) throws -> Report {
        let email = email.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let email, email.count > 254 || email.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) == nil {
            throw InvalidInput(field: "email", reason: "not an e-mail address")
        }
        return try write { log in
            let data = try Contributions.report(
                for: try currentRecord(id, db: log.db), category: category, description: description, term: term)
            let reportID = Self.newID()
            let event = try log.append(
                NewEvent(stream: "report/\(reportID)", type: EventType.reportFiled, actor: actor, data: data),
                expectedVersion: 0)
            if let email {
                try log.db.cachedStatement(sql: "INSERT INTO report_contacts (report_id, email) VALUES (?, ?)")
                    .execute(arguments: [reportID, email])
            }
            return try Self.reports(log.db, where: "reports.seq = ?", [event.seq])[0]
        }
    }

    public func contributions(onRecord id: String) throws -> ContributionList {
        try read { db in
            ContributionList(
                proposals: try Self.proposals(db, where: "record_id = ?", [id]),
                annotations: try Self.annotations(db, where: "record_id = ?", [id]),
                reports: try Self.reports(db, where: "record_id = ?", [id]))
        }
    }

    public func contributions(byActor actor: String, limit: Int = 200) throws -> ContributionList {
        try read { db in
            ContributionList(
                proposals: try Self.proposals(db, where: "actor = ?", [actor], limit: limit),
                annotations: try Self.annotations(db, where: "actor = ?", [actor], limit: limit),
                reports: try Self.reports(db, where: "actor = ?", [actor], limit: limit))
        }
    }

    private func currentRecord(_ id: String, db: Database) throws -> RecordState {
        guard let row = try RecordRow.fetch(id: id, db: db) else { throw StoreError.notFound("record \(id)") }
        return row.state
    }

    static func newID() -> String { Identifiers.randomUUID() }

    static func proposals(
        _ db: Database, where condition: String, _ arguments: StatementArguments, orderBy order: String = "proposals.seq DESC",
        limit: Int = 1000
    ) throws -> [Proposal] {
        try Row.fetchAll(db.cachedStatement(sql: """
                SELECT proposals.*, users.name AS actor_name FROM proposals LEFT JOIN users ON users.id = proposals.actor
                WHERE \(condition) ORDER BY \(order) LIMIT ?
                """), arguments: arguments + [limit]).map(proposal)
    }

    /// A proposal from a row of `proposals` with its submitter's name as `actor_name`.
    static func proposal(_ row: Row) -> Proposal {
        let changes = (try? JSONParser.parse(row["changes"] as String))?.objectValue ?? [:]
        return Proposal(
            id: row["id"], recordID: row["record_id"], baseVersion: row["base_version"],
            changes: changes.keys.sorted().map { term in
                TermChange(term: term, from: changes[term]?["from"]?.stringValue, to: changes[term]?["to"]?.stringValue)
            },
            rationale: row["rationale"], actor: row["actor"], actorName: row["actor_name"], status: row["status"],
            seq: row["seq"], submittedAt: Timestamp(milliseconds: row["submitted_at"]), decidedBy: row["decided_by"],
            decidedAt: (row["decided_at"] as Int64?).map(Timestamp.init(milliseconds:)), reason: row["reason"],
            acceptedVersion: row["accepted_version"], question: row["question"], answer: row["answer"], rule: row["rule"])
    }

    /// Notes, without those a curator hid unless asked.
    static func annotations(
        _ db: Database, where condition: String, _ arguments: StatementArguments, limit: Int = 1000, includingHidden: Bool = false
    ) throws -> [Annotation] {
        try Row.fetchAll(db.cachedStatement(sql: """
                SELECT annotations.*, users.name AS actor_name FROM annotations LEFT JOIN users ON users.id = annotations.actor
                WHERE (\(condition))\(includingHidden ? "" : " AND annotations.hidden_by IS NULL") ORDER BY annotations.seq DESC LIMIT ?
                """), arguments: arguments + [limit]).map { row in
            Annotation(
                id: row["id"], recordID: row["record_id"], version: row["version"], motivation: row["motivation"],
                text: row["text"], term: row["term"], actor: row["actor"], actorName: row["actor_name"], seq: row["seq"],
                createdAt: Timestamp(milliseconds: row["created_at"]))
        }
    }

    static func reports(_ db: Database, where condition: String, _ arguments: StatementArguments, limit: Int = 1000) throws -> [Report] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM reports WHERE \(condition) ORDER BY seq DESC LIMIT ?"), arguments: arguments + [limit])
            .map { row in
            Report(
                id: row["id"], recordID: row["record_id"], version: row["version"], category: row["category"],
                description: row["description"], term: row["term"], actor: row["actor"], status: row["status"],
                seq: row["seq"], filedAt: Timestamp(milliseconds: row["filed_at"]), note: row["note"],
                fixedVersion: row["fixed_version"], proposalID: row["proposal_id"])
        }
    }
}

extension Projector {
    static func projectContribution(_ event: RecordedEvent, db: Database) throws {
        let data = event.data
        let common: [String: (any DatabaseValueConvertible)?] = [
            "id": streamID(event.stream), "record": data["record"]?.stringValue, "actor": event.actor, "seq": event.seq,
            "at": event.recordedAt.milliseconds, "term": data["term"]?.stringValue,
        ]
        switch event.type {
        case EventType.proposalSubmitted:
            try db.cachedStatement(sql: """
                    INSERT INTO proposals (
                      id, record_id, base_version, changes, rationale, actor, status, seq, submitted_at,
                      institution_code, collection_code, dataset_id, rule)
                    VALUES (
                      :id, :record, :baseVersion, :changes, :rationale, :actor, 'open', :seq, :at,
                      (SELECT institution_code FROM records WHERE id = :record), (SELECT collection_code FROM records WHERE id = :record),
                      (SELECT dataset_id FROM records WHERE id = :record), :rule)
                    """).execute(arguments: StatementArguments(common.merging([
                    "baseVersion": data["baseVersion"]?.intValue, "changes": CanonicalJSON.string(data["changes"] ?? [:]),
                    "rationale": data["rationale"]?.stringValue, "rule": data["rule"]?.stringValue,
                ]) { $1 }))
        case EventType.annotationAdded:
            try db.cachedStatement(sql: """
                    INSERT INTO annotations (id, record_id, version, motivation, text, term, actor, seq, created_at)
                    VALUES (:id, :record, :version, :motivation, :text, :term, :actor, :seq, :at)
                    """).execute(arguments: StatementArguments(common.merging([
                    "version": data["version"]?.intValue, "motivation": data["motivation"]?.stringValue,
                    "text": data["text"]?.stringValue,
                ]) { $1 }))
        case EventType.reportFiled:
            try db.cachedStatement(sql: """
                    INSERT INTO reports (id, record_id, version, category, description, term, actor, status, seq, filed_at)
                    VALUES (:id, :record, :version, :category, :description, :term, :actor, 'open', :seq, :at)
                    """).execute(arguments: StatementArguments(common.merging([
                    "version": data["version"]?.intValue, "category": data["category"]?.stringValue,
                    "description": data["description"]?.stringValue,
                ]) { $1 }))
        default:
            break
        }
    }
}
