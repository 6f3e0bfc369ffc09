import EmendCore
import GRDB

/// What the W3C annotation container holds: the public notes (not those a curator hid) and the accepted
/// corrections, each of which reads as an annotation with motivation `editing`.
public enum ContainedAnnotation: Sendable, Equatable {
    case note(Annotation)
    case edit(AcceptedCorrection)

    public var id: String {
        switch self {
        case .note(let note): note.id
        case .edit(let edit): edit.proposal.id
        }
    }

    /// The seq of the event that made it: the note's, or the acceptance's. The container lists in this order.
    public var seq: Int64 {
        switch self {
        case .note(let note): note.seq
        case .edit(let edit): edit.seq
        }
    }
}

public struct AnnotationContainerPage: Sendable, Equatable {
    public var items: [ContainedAnnotation]
    /// The `after` of the next page; nil on the last.
    public var next: Int64?
    /// How many the container holds now.
    public var total: Int
    /// How many come before this page (the page's first item's index in the container).
    public var startIndex: Int
}

/// An accepted proposal, with what its acceptance changed: the terms the curator took, with their edits.
public struct AcceptedCorrection: Sendable, Equatable {
    public var proposal: Proposal
    /// The seq of the acceptance.
    public var seq: Int64
    /// The changes the acceptance made to the record (its version `proposal.acceptedVersion`).
    public var changes: [TermChange]
}

extension Store {
    public static let maxAnnotationPage = 1000

    /// The container's items after `after` (a seq; 0 for the first page), oldest first: a keyset over the seq of the
    /// event that made each item, so that a note added or hidden meanwhile neither repeats nor hides the others.
    public func annotationContainer(after: Int64, limit: Int) throws -> AnnotationContainerPage {
        let limit = min(max(limit, 1), Self.maxAnnotationPage)
        return try read { db in
            let keys = try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT kind, id, at FROM (
                      SELECT 'note' AS kind, id, seq AS at FROM annotations WHERE hidden_by IS NULL AND seq > :after
                      UNION ALL
                      SELECT 'edit' AS kind, id, decided_seq AS at FROM proposals WHERE status = 'accepted' AND decided_seq > :after
                    ) ORDER BY at LIMIT :limit
                    """), arguments: ["after": after, "limit": limit + 1])
            let page = keys.prefix(limit)
            let noteIDs = page.filter { ($0["kind"] as String) == "note" }.map { $0["id"] as String }
            let editIDs = page.filter { ($0["kind"] as String) == "edit" }.map { $0["id"] as String }
            var found: [String: ContainedAnnotation] = [:]
            for note in try Self.annotations(db, where: Self.idIn(noteIDs, "annotations.id"), Self.arguments(noteIDs)) {
                found[note.id] = .note(note)
            }
            for edit in try Self.acceptedProposals(db, where: Self.idIn(editIDs, "proposals.id"), Self.arguments(editIDs)) {
                found[edit.proposal.id] = .edit(edit)
            }
            return AnnotationContainerPage(
                items: page.compactMap { found[$0["id"] as String] },
                next: keys.count > limit ? page.last.map { $0["at"] as Int64 } : nil,
                total: try Self.annotationCount(db, where: nil),
                startIndex: after == 0 ? 0 : try Self.annotationCount(db, where: after))
        }
    }

    /// One item of the container by its id: a visible note, or an accepted proposal.
    public func containedAnnotation(id: String) throws -> ContainedAnnotation {
        try read { db in
            if let note = try Self.annotations(db, where: "annotations.id = ?", [id]).first { return .note(note) }
            if let edit = try Self.acceptedProposals(db, where: "proposals.id = ?", [id]).first { return .edit(edit) }
            throw StoreError.notFound("annotation \(id)")
        }
    }

    /// The items of the container, or those made at or before seq `upTo`.
    private static func annotationCount(_ db: Database, where upTo: Int64?) throws -> Int {
        var arguments = StatementArguments()
        if let upTo { arguments = ["upTo": upTo] }
        let bound = upTo == nil ? "" : " AND seq <= :upTo"
        return try Int.fetchOne(
            db.cachedStatement(sql: """
                SELECT (SELECT count(*) FROM annotations WHERE hidden_by IS NULL\(bound))
                     + (SELECT count(*) FROM proposals WHERE status = 'accepted'\(bound.replacingOccurrences(of: "seq", with: "decided_seq")))
                """), arguments: arguments) ?? 0
    }

    private static func acceptedProposals(
        _ db: Database, where condition: String, _ arguments: StatementArguments
    ) throws -> [AcceptedCorrection] {
        let accepted = try proposals(db, where: "(\(condition)) AND proposals.status = 'accepted'", arguments)
        return try accepted.map { proposal in
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT events.seq, events.data FROM proposals JOIN events ON events.seq = proposals.decided_seq
                    WHERE proposals.id = ?
                    """), arguments: [proposal.id])
            else { throw StoreError.corrupt(seq: nil, reason: "proposal \(proposal.id) is accepted but its acceptance is not in the log") }
            let changes = (try? JSONParser.parse(row["data"] as String))?["changes"]?.objectValue ?? [:]
            return AcceptedCorrection(
                proposal: proposal, seq: row["seq"],
                changes: changes.keys.sorted().map { term in
                    TermChange(term: term, from: changes[term]?["from"]?.stringValue, to: changes[term]?["to"]?.stringValue)
                })
        }
    }

    private static func arguments(_ ids: [String]) -> StatementArguments {
        StatementArguments(ids.map { $0 as (any DatabaseValueConvertible)? })
    }

    private static func idIn(_ ids: [String], _ column: String) -> String {
        ids.isEmpty ? "0" : "\(column) IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))"
    }
}
