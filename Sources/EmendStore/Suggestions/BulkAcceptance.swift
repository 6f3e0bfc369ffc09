import EmendCore
import Foundation
import GRDB

/// What accepting a rule's machine suggestions in bulk did.
public struct BulkAcceptance: Sendable, Equatable {
    public var accepted = 0
    /// Left open for a curator to look at: the record no longer holds the values the suggestion was based on, or it
    /// changed since and the rule no longer suggests this fix.
    public var stale = 0
    /// Open suggestions of the rule in the scope asked for that this call did not reach (past its limit).
    public var remaining = 0

    public init() {}
}

/// Open machine suggestions of one rule, in a user's scope.
public struct RuleCount: Sendable, Equatable {
    public var rule: String
    public var open: Int

    public init(rule: String, open: Int) {
        self.rule = rule
        self.open = open
    }
}

extension User {
    /// Whether the user may decide on some records of the institution (and collection): an admin always, a curator
    /// with a scope of that institution (of that collection, or of the whole institution).
    public func mayDecideSome(institutionCode: String, collectionCode: String?) -> Bool {
        switch role {
        case .admin: return true
        case .curator:
            return scopes.contains { scope in
                let parts = scope.split(separator: ":", maxSplits: 1).map(String.init)
                return parts[0] == institutionCode && (parts.count == 1 || collectionCode == nil || parts[1] == collectionCode)
            }
        case .auditor, .contributor: return false
        }
    }
}

extension Store {
    /// The most suggestions one bulk acceptance takes on, and how many each of its transactions accepts.
    public static let bulkAcceptLimit = 10_000
    static let bulkAcceptBatch = 50

    /// Open machine suggestions by rule within what the user may see (and the institution and collection asked for).
    public func suggestionCounts(for user: User, institutionCode: String? = nil, collectionCode: String? = nil) throws -> [RuleCount] {
        guard user.mayReadQueue else { throw StoreError.forbidden("the moderation queue is for curators, admins and auditors") }
        let conditions = Self.suggestionConditions(for: user, institutionCode: institutionCode, collectionCode: collectionCode)
        return try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT rule, count(*) AS n FROM proposals INDEXED BY proposals_rule
                    WHERE rule IS NOT NULL AND status = 'open' AND \(conditions.sql)
                    GROUP BY rule ORDER BY rule
                    """), arguments: conditions.arguments).map { RuleCount(rule: $0["rule"], open: $0["n"]) }
        }
    }

    /// Accepts every open machine suggestion of `rule` within the curator's scope (and the institution and
    /// collection asked for), oldest first, up to `limit`: each as an ordinary acceptance (the ProposalAccepted and
    /// the record's new version, by the curator), `bulkAcceptBatch` to a transaction so that other writers wait
    /// little. A suggestion is stale, and left open, when the record no longer holds the values it was based on, or
    /// when the record changed since and the rule, checked again on it, no longer suggests the same fix.
    public func acceptSuggestions(
        rule: String, institutionCode: String? = nil, collectionCode: String? = nil, limit: Int = 1_000, note: String? = nil,
        curator: User
    ) throws -> BulkAcceptance {
        guard curator.role == .curator || curator.role == .admin else {
            throw StoreError.forbidden("\(curator.name) (\(curator.role.rawValue)) may not accept proposals")
        }
        if let institutionCode, !curator.mayDecideSome(institutionCode: institutionCode, collectionCode: collectionCode) {
            throw StoreError.forbidden(
                "\(curator.name) may not decide on records of \([institutionCode, collectionCode].compactMap { $0 }.joined(separator: ":"))")
        }
        guard QualityCode(rawValue: rule) != nil else {
            throw InvalidInput(field: "rule", reason: "a quality flag's code, such as PRESUMED_SWAPPED_COORDINATE; got \"\(rule)\"")
        }
        guard (1...Self.bulkAcceptLimit).contains(limit) else {
            throw InvalidInput(field: "limit", reason: "a whole number from 1 to \(Self.bulkAcceptLimit); got \(limit)")
        }
        var conditions = Self.suggestionConditions(for: curator, institutionCode: institutionCode, collectionCode: collectionCode)
        conditions.add("proposals.rule = ? AND proposals.actor = ? AND proposals.status = 'open'", [rule, QualitySuggestions.actor])
        // The suggestions to take on, oldest first, read once; each is decided in its own batch's transaction, where
        // one decided meanwhile is passed over.
        let candidates = try read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT id, seq FROM proposals INDEXED BY proposals_rule WHERE \(conditions.sql) ORDER BY seq LIMIT ?"),
                arguments: conditions.arguments + [limit]
            ).map { (id: $0["id"] as String, seq: $0["seq"] as Int64) }
        }
        var result = BulkAcceptance()
        for start in stride(from: 0, to: candidates.count, by: Self.bulkAcceptBatch) {
            let batch = candidates[start..<min(start + Self.bulkAcceptBatch, candidates.count)]
            try write { log in
                for candidate in batch {
                    guard let proposal = try Self.proposals(log.db, where: "proposals.id = ?", [candidate.id]).first, proposal.status == "open"
                    else { continue }
                    guard let record = try RecordRow.fetch(id: proposal.recordID, db: log.db),
                        let changes = try Self.stillSuggested(proposal, on: record, db: log.db)
                    else {
                        result.stale += 1
                        continue
                    }
                    _ = try Self.appendAcceptance(of: proposal, changes: changes, record: record, note: note, curator: curator, log: &log)
                    result.accepted += 1
                }
            }
        }
        let after = candidates.last?.seq ?? 0
        result.remaining = try read { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT count(*) FROM proposals INDEXED BY proposals_rule WHERE \(conditions.sql) AND proposals.seq > ?"),
                arguments: conditions.arguments + [after]) ?? 0
        }
        return result
    }

    /// The changes accepting the suggestion makes on the record as it is, or nil when it is stale.
    private static func stillSuggested(_ proposal: Proposal, on record: RecordRow, db: Database) throws -> [TermChange]? {
        let changes: [TermChange]
        do {
            changes = try Moderation.accept(proposed: proposal.changes, record: record.state.fields, terms: nil, edits: [:])
        } catch is StaleProposal {
            return nil
        } catch is InvalidInput {
            return nil  // it would change nothing: the record holds its values already
        }
        guard record.state.version != proposal.baseVersion else { return changes }
        let now = try Int64.fetchOne(db.cachedStatement(sql: "SELECT recorded_at FROM events WHERE seq = ?"), arguments: [record.seq]) ?? 0
        func applying(_ changes: [String: String?]) -> [String: String] {
            var fields = record.state.fields
            for (term, value) in changes { fields[term] = value }
            return fields
        }
        let accepted = applying(Dictionary(uniqueKeysWithValues: proposal.changes.map { ($0.term, $0.to) }))
        let suggested = QualitySuggestions.suggestions(record.state.fields, now: now)
        return suggested.contains { $0.rule.rawValue == proposal.rule && applying($0.changes) == accepted } ? changes : nil
    }

    /// Machine suggestions in the user's scope, and in the institution and collection asked for.
    private static func suggestionConditions(for user: User, institutionCode: String?, collectionCode: String?) -> Conditions {
        var conditions = scope(of: user, in: "proposals")
        if let institutionCode { conditions.add("proposals.institution_code = ?", [institutionCode]) }
        if let collectionCode { conditions.add("proposals.collection_code = ?", [collectionCode]) }
        return conditions
    }
}
