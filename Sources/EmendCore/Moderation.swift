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

    /// Basic doubts about a proposed value, for the curator's eye (the quality checks go further).
    public static func warnings(term: String, value: String?, currentYear: Int) -> [String] {
        guard let value else { return [] }
        switch term {
        case "decimalLatitude":
            return Double(value).map { (-90...90).contains($0) } == true ? [] : ["latitude is not a number from -90 to 90"]
        case "decimalLongitude":
            return Double(value).map { (-180...180).contains($0) } == true ? [] : ["longitude is not a number from -180 to 180"]
        case "year", "eventDate":
            guard let year = Int(value.prefix(4)) else { return ["not a date"] }
            return year > currentYear ? ["a date in the future"] : []
        case "countryCode":
            return value.range(of: "^[A-Z]{2}$", options: .regularExpression) == nil ? ["not a two-letter ISO 3166 country code"] : []
        default:
            return []
        }
    }
}
