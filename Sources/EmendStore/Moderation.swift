import EmendCore
import Foundation
import GRDB

extension User {
    /// Admins decide on every record; curators on records their scopes (`INSTITUTION` or `INSTITUTION:COLLECTION`)
    /// cover; auditors and contributors on none.
    public func mayDecide(institutionCode: String?, collectionCode: String?) -> Bool {
        switch role {
        case .admin: return true
        case .curator:
            return scopes.contains { scope in
                let parts = scope.split(separator: ":", maxSplits: 1).map(String.init)
                return parts[0] == institutionCode && (parts.count == 1 || parts[1] == collectionCode)
            }
        case .auditor, .contributor: return false
        }
    }

    /// Curators, admins and auditors see the queue (curators only their scope's part of it).
    public var mayReadQueue: Bool { role != .contributor }
}

/// One page of the moderation queue.
public struct QueueQuery: Sendable, Equatable {
    public var status = "open"
    public var institutionCode: String?
    public var collectionCode: String?
    public var dataset: String?
    /// Proposals that change this term.
    public var term: String?
    /// Proposals by the user of this name.
    public var submitter: String?
    /// Machine suggestions of this quality rule (a flag's code).
    public var rule: String?
    /// Proposals submitted at least this many days ago.
    public var olderThanDays: Int?
    public var newestFirst = false
    public var limit = 50
    /// The `seq` of the last item of the previous page.
    public var after: Int64?

    public init() {}
}

public struct QueueItem: Sendable, Equatable {
    public var proposal: Proposal
    public var scientificName: String?
    public var catalogNumber: String?
    public var institutionCode: String?
    public var collectionCode: String?
    public var recordVersion: Int64
    /// The record's terms now, which the proposal's quality effect is judged on.
    public var recordFields: [String: String]
    /// The proposal's terms whose value on the record is no longer the one it was based on (to: the value now).
    public var stale: [TermChange]
    public var submitterAccepted: Int
    public var submitterRejected: Int
}

public struct QueueHealth: Sendable {
    public var pendingByCollection: [String: Int]
    /// Ages of the pending items in milliseconds; nil when none is pending.
    public var medianAge: Int64?
    public var p90Age: Int64?
    public var oldestAge: Int64?
    /// This week first: decisions, and how many of them accepted.
    public var decisionsPerWeek: [(decided: Int, accepted: Int)]
}

public struct QueuePage: Sendable, Equatable {
    public var items: [QueueItem]
    /// The `after` of the next page; nil on the last.
    public var next: Int64?
    /// Items by status in the user's scope and the institution and collection asked for (not the finer filters).
    public var counts: [String: Int]
}

extension Store {
    /// Accepts a proposal, whole or in part (`terms`), with the curator's own `edits` of accepted values. One
    /// transaction appends the decision and the record's new version, whose cause names the contributor and the
    /// curator. Returns the record's id and new version.
    public func acceptProposal(
        _ id: String, terms: [String]?, edits: [String: String?], note: String?, curator: User
    ) throws -> (record: String, version: Int64) {
        try write { log in
            let (proposal, record) = try Self.openProposal(id, deciding: curator, db: log.db)
            let changes = try Moderation.accept(proposed: proposal.changes, record: record.state.fields, terms: terms, edits: edits)
            return try Self.appendAcceptance(of: proposal, changes: changes, record: record, note: note, curator: curator, log: &log)
        }
    }

    /// The two events of an acceptance, in the caller's transaction: the record's new version, whose cause names the
    /// contributor and the curator, and the decision. Returns the record's id and new version.
    static func appendAcceptance(
        of proposal: Proposal, changes: [TermChange], record: RecordRow, note: String?, curator: User, log: inout LogTransaction
    ) throws -> (record: String, version: Int64) {
        let id = proposal.id
        let revision = try log.append(
            NewEvent(
                stream: RecordState.stream(record.state.id), type: EventType.recordRevised, actor: curator.id,
                data: [
                    "cause": [
                        "kind": "proposal", "proposal": .string(id), "contributor": .string(proposal.actor),
                        "curator": .string(curator.id),
                    ],
                    "changes": TermChange.json(changes),
                ]),
            expectedVersion: record.state.version)
        var decision: JSONValue = [
            "record": .string(record.state.id), "version": .int(revision.streamVersion), "changes": TermChange.json(changes),
        ]
        if let note = note?.trimmingCharacters(in: .whitespacesAndNewlines), !note.isEmpty {
            decision = .object((decision.objectValue ?? [:]).merging(["note": .string(note)]) { $1 })
        }
        try log.append(
            NewEvent(stream: "proposal/\(id)", type: EventType.proposalAccepted, actor: curator.id, data: decision),
            expectedVersion: try log.version(of: "proposal/\(id)"))
        return (record.state.id, revision.streamVersion)
    }

    /// Restores an earlier version of a record as its next version, with the curator's reason: nothing is deleted,
    /// and the history shows the revert. Terms a correction had set go back to being the source's to change.
    public func revertRecord(_ id: String, to version: Int64, reason: String, curator: User) throws -> (record: String, version: Int64) {
        let reason = try Contributions.requiredText(reason, field: "reason")
        return try write { log in
            let current = try Self.decidable(id, by: curator, db: log.db).state
            guard (1..<current.version).contains(version), let target = try Self.state(of: id, atVersion: version, db: log.db) else {
                throw InvalidInput(field: "version", reason: "an earlier version of record \(id), from 1 to \(current.version - 1); got \(version)")
            }
            let changes = TermChange.between(current.fields, target.fields)
            let extensions = RecordState.extensionChanges(from: current.extensions, to: target.extensions)
            guard !changes.isEmpty || !extensions.isEmpty else {
                throw InvalidInput(field: "version", reason: "version \(version) holds the same values as the current version \(current.version)")
            }
            var data: [String: JSONValue] = [
                "cause": ["kind": "revert", "version": .int(version), "reason": .string(reason), "curator": .string(curator.id)],
                "changes": TermChange.json(changes),
            ]
            if !extensions.isEmpty { data["extensions"] = RecordState.json(extensions) }
            let revision = try log.append(
                NewEvent(stream: RecordState.stream(id), type: EventType.recordRevised, actor: curator.id, data: .object(data)),
                expectedVersion: current.version)
            return (id, revision.streamVersion)
        }
    }

    public func rejectProposal(_ id: String, reason: String, curator: User) throws -> Proposal {
        let reason = try Contributions.requiredText(reason, field: "reason")
        return try appendToOpenProposal(id, type: EventType.proposalRejected, data: ["reason": .string(reason)], curator: curator)
    }

    /// Asks the contributor for more before deciding; the proposal waits as `needs-info` until they answer.
    public func askAboutProposal(_ id: String, question: String, curator: User) throws -> Proposal {
        let question = try Contributions.requiredText(question, field: "question")
        return try appendToOpenProposal(id, type: EventType.proposalQuestioned, data: ["question": .string(question)], curator: curator)
    }

    /// A curator's event on an open proposal in their scope, in one transaction; returns the proposal as it now is.
    private func appendToOpenProposal(_ id: String, type: String, data: JSONValue, curator: User) throws -> Proposal {
        try write { log in
            _ = try Self.openProposal(id, deciding: curator, db: log.db)
            try log.append(
                NewEvent(stream: "proposal/\(id)", type: type, actor: curator.id, data: data),
                expectedVersion: try log.version(of: "proposal/\(id)"))
            return try Self.proposals(log.db, where: "proposals.id = ?", [id])[0]
        }
    }

    /// The contributor answers a curator's question, and may amend the changes (on the record's current version).
    public func answerAboutProposal(_ id: String, answer: String, changes: [String: String?]?, contributor: User) throws -> Proposal {
        try write { log in
            guard let proposal = try Self.proposals(log.db, where: "proposals.id = ?", [id]).first else {
                throw StoreError.notFound("proposal \(id)")
            }
            guard proposal.actor == contributor.id else { throw StoreError.forbidden("only the contributor answers about their proposal") }
            guard proposal.status == "needs-info" else {
                throw InvalidInput(field: "answer", reason: "nobody asked about this proposal (it is \(proposal.status))")
            }
            var data: [String: JSONValue] = ["answer": .string(try Contributions.requiredText(answer, field: "answer"))]
            if let changes {
                guard let record = try RecordRow.fetch(id: proposal.recordID, db: log.db) else { throw StoreError.notFound("record \(proposal.recordID)") }
                let amended = try Contributions.proposal(for: record.state, changes: changes, rationale: proposal.rationale)
                data["baseVersion"] = amended["baseVersion"]
                data["changes"] = amended["changes"]
            }
            try log.append(
                NewEvent(stream: "proposal/\(id)", type: EventType.proposalAmended, actor: contributor.id, data: .object(data)),
                expectedVersion: try log.version(of: "proposal/\(id)"))
            return try Self.proposals(log.db, where: "proposals.id = ?", [id])[0]
        }
    }

    public func proposal(id: String) throws -> Proposal {
        try read { db in
            guard let proposal = try Self.proposals(db, where: "proposals.id = ?", [id]).first else {
                throw StoreError.notFound("proposal \(id)")
            }
            return proposal
        }
    }

    /// Reports (with `status`, newest last) or visible notes on records in the user's scope, for the queue.
    public func reportQueue(status: String, after: Int64?, limit: Int, for user: User) throws -> (items: [Report], next: Int64?) {
        guard user.mayReadQueue else { throw StoreError.forbidden("the moderation queue is for curators, admins and auditors") }
        var conditions = Self.scope(of: user)
        conditions.add("reports.status = ?", [status])
        if let after { conditions.add("reports.seq > ?", [after]) }
        let reports = try read { db in
            try Self.reports(
                db, where: "id IN (SELECT reports.id FROM reports JOIN records ON records.id = reports.record_id WHERE \(conditions.sql) ORDER BY reports.seq LIMIT ?)",
                conditions.arguments + [limit + 1])
        }.reversed()
        return (Array(reports.prefix(limit)), reports.count > limit ? reports.prefix(limit).last?.seq : nil)
    }

    public func noteQueue(after: Int64?, limit: Int, for user: User) throws -> (items: [Annotation], next: Int64?) {
        guard user.mayReadQueue else { throw StoreError.forbidden("the moderation queue is for curators, admins and auditors") }
        var conditions = Self.scope(of: user)
        if let after { conditions.add("annotations.seq > ?", [after]) }
        let notes = try read { db in
            try Self.annotations(
                db,
                where: "annotations.id IN (SELECT annotations.id FROM annotations JOIN records ON records.id = annotations.record_id WHERE \(conditions.sql) ORDER BY annotations.seq LIMIT ?)",
                conditions.arguments + [limit + 1])
        }.reversed()
        return (Array(notes.prefix(limit)), notes.count > limit ? notes.prefix(limit).last?.seq : nil)
    }

    /// Closes a report: `fixed` (by record `version`), `not-a-problem` or `duplicate`.
    public func resolveReport(_ id: String, resolution: String, version: Int64?, note: String?, curator: User) throws -> Report {
        guard ["fixed", "not-a-problem", "duplicate"].contains(resolution) else {
            throw InvalidInput(field: "resolution", reason: "fixed, not-a-problem or duplicate; got \"\(resolution)\"")
        }
        return try write { log in
            guard let report = try Self.reports(log.db, where: "id = ?", [id]).first else { throw StoreError.notFound("report \(id)") }
            let record = try Self.decidable(report.recordID, by: curator, db: log.db)
            guard report.status == "open" else { throw StoreError.conflict(stream: "report/\(id)", expected: 1, actual: 2) }
            var data: [String: JSONValue] = ["resolution": .string(resolution)]
            if resolution == "fixed" {
                guard let version, (1...record.state.version).contains(version) else {
                    throw InvalidInput(field: "version", reason: "the record version that fixed it, from 1 to \(record.state.version)")
                }
                data["version"] = .int(version)
            }
            if let note = note?.trimmingCharacters(in: .whitespacesAndNewlines), !note.isEmpty { data["note"] = .string(note) }
            try log.append(NewEvent(stream: "report/\(id)", type: EventType.reportResolved, actor: curator.id, data: .object(data)), expectedVersion: 1)
            return try Self.reports(log.db, where: "id = ?", [id])[0]
        }
    }

    /// Turns an open report into a proposal of the curator's changes, in one transaction. The proposal names the
    /// report and goes to the queue like any other; the report is resolved as "proposed", naming the proposal,
    /// so that whoever filed it can follow what became of it.
    public func turnReportIntoProposal(_ id: String, changes: [String: String?], rationale: String?, curator: User) throws -> Proposal {
        try write { log in
            guard let report = try Self.reports(log.db, where: "id = ?", [id]).first else { throw StoreError.notFound("report \(id)") }
            let record = try Self.decidable(report.recordID, by: curator, db: log.db)
            guard report.status == "open" else { throw StoreError.conflict(stream: "report/\(id)", expected: 1, actual: 2) }
            let rationale = rationale.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } ?? report.description
            let data = try Contributions.proposal(for: record.state, changes: changes, rationale: rationale, fromReport: id)
            let proposalID = Self.newID()
            let event = try log.append(
                NewEvent(stream: "proposal/\(proposalID)", type: EventType.proposalSubmitted, actor: curator.id, data: data),
                expectedVersion: 0)
            try log.append(
                NewEvent(
                    stream: "report/\(id)", type: EventType.reportResolved, actor: curator.id,
                    data: ["resolution": "proposed", "proposal": .string(proposalID)]),
                expectedVersion: 1)
            return try Self.proposals(log.db, where: "proposals.seq = ?", [event.seq])[0]
        }
    }

    /// Hides a note from the public pages, with a reason; the log keeps it.
    public func hideAnnotation(_ id: String, reason: String, curator: User) throws {
        let reason = try Contributions.requiredText(reason, field: "reason")
        try write { log in
            guard let annotation = try Self.annotations(log.db, where: "annotations.id = ?", [id], includingHidden: true).first else {
                throw StoreError.notFound("note \(id)")
            }
            _ = try Self.decidable(annotation.recordID, by: curator, db: log.db)
            try log.append(
                NewEvent(stream: "annotation/\(id)", type: EventType.annotationHidden, actor: curator.id, data: ["reason": .string(reason)]),
                expectedVersion: 1)
        }
    }

    /// The record, if the user may decide on items about it.
    private static func decidable(_ recordID: String, by user: User, db: Database) throws -> RecordRow {
        guard let record = try RecordRow.fetch(id: recordID, db: db) else { throw StoreError.notFound("record \(recordID)") }
        let fields = record.state.fields
        guard user.mayDecide(institutionCode: fields["institutionCode"], collectionCode: fields["collectionCode"]) else {
            throw StoreError.forbidden(
                "\(user.name) (\(user.role.rawValue)) may not decide on records of \([fields["institutionCode"], fields["collectionCode"]].compactMap { $0 }.joined(separator: ":"))")
        }
        return record
    }

    /// The latest decisions on one contributor's proposals, or on records of one institution (and collection),
    /// newest first: what the Atom feeds carry.
    public func decisions(contributor: String? = nil, institutionCode: String? = nil, collectionCode: String? = nil, limit: Int = 50) throws
        -> [Proposal]
    {
        var conditions = Conditions()
        conditions.add("proposals.decided_seq IS NOT NULL")
        if let contributor { conditions.add("proposals.actor = ?", [contributor]) }
        if let institutionCode {
            conditions.add(
                "proposals.record_id IN (SELECT id FROM records WHERE institution_code = ?\(collectionCode == nil ? "" : " AND collection_code = ?"))",
                [institutionCode] + (collectionCode.map { [$0] } ?? []))
        }
        return try read { db in
            try Self.proposals(db, where: conditions.sql, conditions.arguments, orderBy: "proposals.decided_seq DESC", limit: limit)
        }
    }

    /// How the queue is doing, within what the user may see: pending items by collection, their ages, and
    /// decisions per week with the share accepted, counted back from the store's clock.
    public func queueHealth(for user: User, weeks: Int = 8) throws -> QueueHealth {
        guard user.mayReadQueue else { throw StoreError.forbidden("queue figures are for curators, admins and auditors") }
        let now = clock()
        let scope = Self.scope(of: user, in: "proposals")
        return try read { db in
            let pending = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT institution_code, collection_code, submitted_at FROM proposals
                    WHERE status = 'open' AND \(scope.sql) ORDER BY submitted_at
                    """), arguments: scope.arguments)
            let ages = pending.map { now.milliseconds - ($0["submitted_at"] as Int64) }
            func percentile(_ p: Double) -> Int64? { ages.isEmpty ? nil : ages.sorted()[min(ages.count - 1, Int(Double(ages.count) * p))] }
            var byCollection: [String: Int] = [:]
            for row in pending {
                byCollection[[row["institution_code"], row["collection_code"]].compactMap { $0 as String? }.joined(separator: ":"), default: 0] += 1
            }
            let week: Int64 = 7 * 24 * 3600 * 1000
            let decided = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT (? - decided_at) / ? AS weeks_ago, count(*) AS n, sum(status = 'accepted') AS accepted
                    FROM proposals WHERE decided_at > ? AND \(scope.sql) GROUP BY 1 ORDER BY 1
                    """), arguments: [now.milliseconds, week, now.milliseconds - Int64(weeks) * week] + scope.arguments)
            return QueueHealth(
                pendingByCollection: byCollection, medianAge: percentile(0.5), p90Age: percentile(0.9), oldestAge: ages.max(),
                decisionsPerWeek: (0..<weeks).map { ago in
                    let row = decided.first { ($0["weeks_ago"] as Int) == ago }
                    return (row?["n"] ?? 0, row?["accepted"] ?? 0)
                })
        }
    }

    /// The items a user's queue covers: a curator's scopes, everything for admins and auditors. `table` holds the
    /// institution and collection codes: the records, or the proposals, which carry their record's.
    static func scope(of user: User, in table: String = "records") -> Conditions {
        var scope = Conditions()
        guard user.role == .curator else { return scope }
        let parts = user.scopes.map { $0.split(separator: ":", maxSplits: 1).map(String.init) }
        if parts.isEmpty {
            scope.add("0")
        } else {
            scope.add(
                "(" + parts.map { $0.count == 1 ? "\(table).institution_code = ?" : "(\(table).institution_code = ? AND \(table).collection_code = ?)" }
                    .joined(separator: " OR ") + ")",
                parts.flatMap { $0 })
        }
        return scope
    }

    public func user(named name: String) throws -> User? {
        try read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE name = ?"), arguments: [name]).map(Self.user) }
    }

    /// The proposal and its record, if it is still open and the user may decide on it.
    private static func openProposal(_ id: String, deciding user: User, db: Database) throws -> (Proposal, RecordRow) {
        guard let proposal = try proposals(db, where: "proposals.id = ?", [id]).first else {
            throw StoreError.notFound("proposal \(id)")
        }
        let record = try decidable(proposal.recordID, by: user, db: db)
        guard proposal.isPending else {
            throw StoreError.conflict(stream: "proposal/\(id)", expected: 1, actual: 2)
        }
        return (proposal, record)
    }

    /// Proposals in the queue, oldest (or newest) first, within the user's scope.
    public func moderationQueue(_ query: QueueQuery, for user: User) throws -> QueuePage {
        guard user.mayReadQueue else { throw StoreError.forbidden("the moderation queue is for curators, admins and auditors") }
        var page = Self.scope(of: user, in: "proposals")
        // The counts per status cover the user's scope and the institution and collection asked for, not the finer
        // filters: they come from a running tally, so that no page has to count a large queue.
        var tally = Self.scope(of: user, in: "queue_counts")
        if let institution = query.institutionCode {
            page.add("proposals.institution_code = ?", [institution])
            tally.add("queue_counts.institution_code = ?", [institution])
        }
        if let collection = query.collectionCode {
            page.add("proposals.collection_code = ?", [collection])
            tally.add("queue_counts.collection_code = ?", [collection])
        }
        if let dataset = query.dataset { page.add("proposals.dataset_id = ?", [dataset]) }
        if let term = query.term { page.add("EXISTS (SELECT 1 FROM json_each(proposals.changes) WHERE json_each.key = ?)", [term]) }
        if let submitter = query.submitter { page.add("proposals.actor IN (SELECT id FROM users WHERE name = ?)", [submitter]) }
        if let rule = query.rule { page.add("proposals.rule = ?", [rule]) }
        if let days = query.olderThanDays { page.add("proposals.submitted_at <= ?", [clock().milliseconds - Int64(days) * 86_400_000]) }
        page.add("proposals.status = ?", [query.status])
        if let after = query.after { page.add("proposals.seq \(query.newestFirst ? "<" : ">") ?", [after]) }
        return try read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT proposals.*, users.name AS actor_name, records.scientific_name, records.catalog_number,
                           records.institution_code AS record_institution_code, records.collection_code AS record_collection_code,
                           records.version AS record_version, \(RecordRow.fieldsSQL("records")) AS record_fields,
                           -- A submitter's record, for people: the bot's would count every machine suggestion on each row.
                           CASE WHEN proposals.rule IS NULL THEN
                             (SELECT count(*) FROM proposals AS p WHERE p.actor = proposals.actor AND p.status = 'accepted') ELSE 0 END AS accepted,
                           CASE WHEN proposals.rule IS NULL THEN
                             (SELECT count(*) FROM proposals AS p WHERE p.actor = proposals.actor AND p.status = 'rejected') ELSE 0 END AS rejected
                    FROM proposals\(query.rule == nil ? "" : " INDEXED BY proposals_rule") JOIN records ON records.id = proposals.record_id
                    LEFT JOIN users ON users.id = proposals.actor
                    WHERE \(page.sql) ORDER BY proposals.seq \(query.newestFirst ? "DESC" : "ASC") LIMIT ?
                    """), arguments: page.arguments + [query.limit + 1])
            let items = try rows.prefix(query.limit).map { row in
                let proposal = Self.proposal(row)
                let current = try JSONParser.parse(row["record_fields"] as String).stringMap ?? [:]
                return QueueItem(
                    proposal: proposal, scientificName: row["scientific_name"], catalogNumber: row["catalog_number"],
                    institutionCode: row["record_institution_code"], collectionCode: row["record_collection_code"],
                    recordVersion: row["record_version"], recordFields: current,
                    stale: proposal.changes.compactMap { current[$0.term] == $0.from ? nil : TermChange(term: $0.term, from: $0.from, to: current[$0.term]) },
                    submitterAccepted: row["accepted"], submitterRejected: row["rejected"])
            }
            let counts = try Row.fetchAll(db.cachedStatement(sql: "SELECT status, sum(n) AS n FROM queue_counts WHERE n > 0 AND \(tally.sql) GROUP BY 1"), arguments: tally.arguments)
            return QueuePage(
                items: items, next: rows.count > query.limit ? items.last?.proposal.seq : nil,
                counts: Dictionary(uniqueKeysWithValues: counts.map { ($0["status"], $0["n"]) }))
        }
    }
}

extension Projector {
    static func projectDecision(_ event: RecordedEvent, db: Database) throws {
        switch event.type {
        case EventType.reportResolved:
            try db.cachedStatement(sql: """
                    UPDATE reports SET status = ?, decided_by = ?, decided_seq = ?, note = ?, fixed_version = ?, proposal_id = ?
                    WHERE id = ?
                    """).execute(arguments: [
                    event.data["resolution"]?.stringValue, event.actor, event.seq, event.data["note"]?.stringValue,
                    event.data["version"]?.intValue, event.data["proposal"]?.stringValue, streamID(event.stream),
                ])
            return
        case EventType.annotationHidden:
            try db.cachedStatement(sql: "UPDATE annotations SET hidden_by = ?, hidden_reason = ? WHERE id = ?")
                .execute(arguments: [event.actor, event.data["reason"]?.stringValue, streamID(event.stream)])
            return
        case EventType.proposalQuestioned:
            try db.cachedStatement(sql: "UPDATE proposals SET status = 'needs-info', question = ? WHERE id = ?")
                .execute(arguments: [event.data["question"]?.stringValue, streamID(event.stream)])
            return
        case EventType.proposalAmended:
            try db.cachedStatement(sql: """
                    UPDATE proposals SET status = 'open', answer = ?, base_version = coalesce(?, base_version),
                      changes = coalesce(?, changes) WHERE id = ?
                    """).execute(arguments: [
                    event.data["answer"]?.stringValue, event.data["baseVersion"]?.intValue,
                    event.data["changes"].map(CanonicalJSON.string), streamID(event.stream),
                ])
            return
        default:
            break
        }
        let accepted = event.type == EventType.proposalAccepted
        for (term, change) in accepted ? event.data["changes"]?.objectValue ?? [:] : [:] {
            try db.cachedStatement(sql: "REPLACE INTO corrections (record_id, term, value, proposal_id, seq) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [event.data["record"]?.stringValue, term, change["to"]?.stringValue, streamID(event.stream), event.seq])
        }
        try db.cachedStatement(sql: """
                UPDATE proposals SET status = ?, decided_by = ?, decided_seq = ?, decided_at = ?, reason = ?, accepted_version = ?
                WHERE id = ?
                """).execute(arguments: [
                accepted ? "accepted" : "rejected", event.actor, event.seq, event.recordedAt.milliseconds,
                (accepted ? event.data["note"] : event.data["reason"])?.stringValue, event.data["version"]?.intValue,
                streamID(event.stream),
            ])
    }
}
