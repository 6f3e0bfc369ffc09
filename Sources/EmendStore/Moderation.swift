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
    /// The proposal's terms whose value on the record is no longer the one it was based on (to: the value now).
    public var stale: [TermChange]
    public var submitterAccepted: Int
    public var submitterRejected: Int
}

public struct QueuePage: Sendable, Equatable {
    public var items: [QueueItem]
    /// The `after` of the next page; nil on the last.
    public var next: Int64?
    /// Items by status, within what the user may see.
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
                expectedVersion: 1)
            return (record.state.id, revision.streamVersion)
        }
    }

    public func rejectProposal(_ id: String, reason: String, curator: User) throws -> Proposal {
        let reason = try Moderation.rejectionReason(reason)
        return try write { log in
            _ = try Self.openProposal(id, deciding: curator, db: log.db)
            try log.append(
                NewEvent(stream: "proposal/\(id)", type: EventType.proposalRejected, actor: curator.id, data: ["reason": .string(reason)]),
                expectedVersion: 1)
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

    public func user(named name: String) throws -> User? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(Self.user) }
    }

    /// The proposal and its record, if it is still open and the user may decide on it.
    private static func openProposal(_ id: String, deciding user: User, db: Database) throws -> (Proposal, RecordRow) {
        guard let proposal = try proposals(db, where: "proposals.id = ?", [id]).first else {
            throw StoreError.notFound("proposal \(id)")
        }
        guard let record = try RecordRow.fetch(id: proposal.recordID, db: db) else {
            throw StoreError.corrupt(seq: proposal.seq, reason: "proposal \(id) is on record \(proposal.recordID), which does not exist")
        }
        let fields = record.state.fields
        guard user.mayDecide(institutionCode: fields["institutionCode"], collectionCode: fields["collectionCode"]) else {
            throw StoreError.forbidden(
                "\(user.name) (\(user.role.rawValue)) may not decide on records of \([fields["institutionCode"], fields["collectionCode"]].compactMap { $0 }.joined(separator: ":"))")
        }
        guard proposal.status == "open" else {
            throw StoreError.conflict(stream: "proposal/\(id)", expected: 1, actual: 2)
        }
        return (proposal, record)
    }

    /// Proposals in the queue, oldest (or newest) first, within the user's scope.
    public func moderationQueue(_ query: QueueQuery, for user: User) throws -> QueuePage {
        guard user.mayReadQueue else { throw StoreError.forbidden("the moderation queue is for curators, admins and auditors") }
        var scope = Conditions()
        if user.role == .curator {
            let parts = user.scopes.map { $0.split(separator: ":", maxSplits: 1).map(String.init) }
            scope.add(
                "(" + parts.map { $0.count == 1 ? "records.institution_code = ?" : "(records.institution_code = ? AND records.collection_code = ?)" }
                    .joined(separator: " OR ") + ")",
                parts.flatMap { $0 })
            if parts.isEmpty { scope.add("0") }
        }
        if let institution = query.institutionCode { scope.add("records.institution_code = ?", [institution]) }
        if let collection = query.collectionCode { scope.add("records.collection_code = ?", [collection]) }
        var page = scope
        page.add("proposals.status = ?", [query.status])
        if let after = query.after { page.add("proposals.seq \(query.newestFirst ? "<" : ">") ?", [after]) }
        return try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT proposals.id, records.scientific_name, records.catalog_number, records.institution_code,
                           records.collection_code, records.version AS record_version, records.fields,
                           (SELECT count(*) FROM proposals AS p WHERE p.actor = proposals.actor AND p.status = 'accepted') AS accepted,
                           (SELECT count(*) FROM proposals AS p WHERE p.actor = proposals.actor AND p.status = 'rejected') AS rejected
                    FROM proposals JOIN records ON records.id = proposals.record_id
                    WHERE \(page.sql) ORDER BY proposals.seq \(query.newestFirst ? "DESC" : "ASC") LIMIT \(query.limit + 1)
                    """,
                arguments: page.arguments)
            let proposals = try Dictionary(
                uniqueKeysWithValues: Self.proposals(
                    db, where: "proposals.id IN (\(rows.map { _ in "?" }.joined(separator: ", ")))",
                    StatementArguments(rows.map { $0["id"] as String })
                ).map { ($0.id, $0) })
            let items = try rows.prefix(query.limit).map { row in
                let proposal = proposals[row["id"] as String]!
                let fields = try JSONParser.parse(row["fields"] as String).stringMap ?? [:]
                return QueueItem(
                    proposal: proposal, scientificName: row["scientific_name"], catalogNumber: row["catalog_number"],
                    institutionCode: row["institution_code"], collectionCode: row["collection_code"],
                    recordVersion: row["record_version"],
                    stale: proposal.changes.compactMap { fields[$0.term] == $0.from ? nil : TermChange(term: $0.term, from: $0.from, to: fields[$0.term]) },
                    submitterAccepted: row["accepted"], submitterRejected: row["rejected"])
            }
            let counts = try Row.fetchAll(
                db,
                sql: "SELECT proposals.status, count(*) AS n FROM proposals JOIN records ON records.id = proposals.record_id WHERE \(scope.sql) GROUP BY 1",
                arguments: scope.arguments)
            return QueuePage(
                items: items, next: rows.count > query.limit ? items.last?.proposal.seq : nil,
                counts: Dictionary(uniqueKeysWithValues: counts.map { ($0["status"], $0["n"]) }))
        }
    }
}

extension Projector {
    static func projectDecision(_ event: RecordedEvent, db: Database) throws {
        let accepted = event.type == EventType.proposalAccepted
        try db.execute(
            sql: """
                UPDATE proposals SET status = ?, decided_by = ?, decided_seq = ?, decided_at = ?, reason = ?, accepted_version = ?
                WHERE id = ?
                """,
            arguments: [
                accepted ? "accepted" : "rejected", event.actor, event.seq, event.recordedAt.milliseconds,
                (accepted ? event.data["note"] : event.data["reason"])?.stringValue, event.data["version"]?.intValue,
                streamID(event.stream),
            ])
    }
}
