/// A proposal whose changes no longer apply: the record's value of these terms is not the one it was based on.
public struct StaleProposal: Error, Equatable, CustomStringConvertible {
    public var terms: [TermChange]

    public var description: String {
        "the record changed since the proposal: "
            + terms.map { "\($0.term) is now \($0.to.map { "\"\($0)\"" } ?? "absent"), not \($0.from.map { "\"\($0)\"" } ?? "absent")" }
            .joined(separator: "; ")
    }
}

/// What curators decide on proposals, and the rules that make a decision sound.
public enum Moderation {
    /// Reasons a curator can pick when rejecting; free text is allowed as well.
    public static let rejectionReasons = [
        "not supported by the evidence given", "the record is right as it is", "a duplicate of another proposal",
        "outside what this collection records",
    ]

    /// The record changes that accepting `proposed` makes: the `terms` chosen (all when nil), each set to the curator's
    /// edit if there is one, else to the proposed value. Every accepted term must still hold the value the proposal
    /// was based on; other terms may have changed since, and the proposal then applies to the current version.
    public static func accept(
        proposed: [TermChange], record fields: [String: String], terms: [String]?, edits: [String: String?]
    ) throws -> [TermChange] {
        let byTerm = Dictionary(uniqueKeysWithValues: proposed.map { ($0.term, $0) })
        let chosen = terms ?? proposed.map(\.term)
        guard !chosen.isEmpty else { throw InvalidInput(field: "terms", reason: "name at least one term of the proposal") }
        for term in chosen where byTerm[term] == nil {
            throw InvalidInput(field: "terms", reason: "\"\(term)\" is not a term this proposal changes")
        }
        for term in edits.keys where !chosen.contains(term) {
            throw InvalidInput(field: "edits.\(term)", reason: "only an accepted term of the proposal can be edited")
        }
        let stale = chosen.compactMap { term -> TermChange? in
            fields[term] == byTerm[term]?.from ? nil : TermChange(term: term, from: byTerm[term]?.from, to: fields[term])
        }
        guard stale.isEmpty else { throw StaleProposal(terms: stale) }
        let changes = chosen.sorted().compactMap { term -> TermChange? in
            let value = edits[term].map { $0.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 } }
                ?? byTerm[term]?.to
            return value == fields[term] ? nil : TermChange(term: term, from: fields[term], to: value)
        }
        guard !changes.isEmpty else { throw InvalidInput(field: "terms", reason: "accepting these would change nothing") }
        return changes
    }

    /// What accepting `changes` would do to the record's quality flags: the flags of the record now that it would
    /// clear, and the flags it would raise, so that a curator sees "fixes ZERO_COORDINATE" or a warning before
    /// deciding. `now` (milliseconds since 1970) dates the date checks.
    public static func qualityEffect(of changes: [TermChange], on fields: [String: String], now: Int64)
        -> (fixes: [QualityFlag], raises: [QualityFlag])
    {
        var proposed = fields
        for change in changes { proposed[change.term] = change.to }
        let before = QualityChecks.check(RecordTerms(fields), now: now), after = QualityChecks.check(RecordTerms(proposed), now: now)
        let codesBefore = Set(before.map(\.code)), codesAfter = Set(after.map(\.code))
        return (before.filter { !codesAfter.contains($0.code) }, after.filter { !codesBefore.contains($0.code) })
    }
}
