/// Machine suggestions: where a quality check implies its own fix, the fix as a proposal from the actor
/// `system:quality`, with the rule (the flag's code) that made it. Pure, like the checks: the same fields and `now`
/// give the same suggestions.
public enum QualitySuggestions {
    /// The actor every machine suggestion is filed by.
    public static let actor = "system:quality"

    /// The rules that can suggest a fix: the codes of the checks whose flags may carry suggested changes.
    public static let rules: [QualityCode] = [
        .presumedSwappedCoordinate, .presumedNegatedLatitude, .presumedNegatedLongitude, .zeroCoordinate, .coordinateInvalid,
        .countryInvalid, .countryMismatch, .basisOfRecordInvalid, .depthUnlikely, .elevationUnlikely, .taxonRankInconsistent,
    ]

    /// One fix a rule implies for a record.
    public struct Suggestion: Sendable, Equatable {
        /// The code of the flag that implies the fix, e.g. `PRESUMED_SWAPPED_COORDINATE`.
        public var rule: QualityCode
        /// term → new value, or nil to remove the term (a proposal's `changes`).
        public var changes: [String: String?]
        /// The rationale the proposal carries: what the check found, and the rule, in plain words.
        public var rationale: String
    }

    /// The suggestions for a record: one per rule whose flags carry suggested changes. Flags of the same rule are
    /// merged (a latitude and a longitude written with hemisphere letters); a rule whose changes another rule
    /// already suggests is left out (both signs changed is both PRESUMED_NEGATED_LATITUDE and _LONGITUDE: one
    /// suggestion, under the first).
    public static func suggestions(_ fields: [String: String], now: Int64) -> [Suggestion] {
        suggestions(for: QualityChecks.check(RecordTerms(fields), now: now))
    }

    public static func suggestions(for flags: [QualityFlag]) -> [Suggestion] {
        var order: [QualityCode] = []
        var changes: [QualityCode: [String: String?]] = [:]
        var messages: [QualityCode: [String]] = [:]
        for flag in flags where !flag.suggestedChanges.isEmpty {
            if changes[flag.code] == nil { order.append(flag.code) }
            var merged = changes[flag.code] ?? [:]
            // A second flag of the rule that would change a term the first changes differently is left out.
            guard flag.suggestedChanges.allSatisfy({ merged[$0.key] == nil || merged[$0.key]! == $0.value }) else { continue }
            merged.merge(flag.suggestedChanges) { $1 }
            changes[flag.code] = merged
            messages[flag.code, default: []].append(flag.message)
        }
        var made: [Suggestion] = []
        for rule in order {
            guard let ruleChanges = changes[rule], !made.contains(where: { $0.changes == ruleChanges }) else { continue }
            made.append(Suggestion(
                rule: rule, changes: ruleChanges,
                rationale: "Machine suggestion by the quality rule \(rule.rawValue). "
                    + (messages[rule] ?? []).joined(separator: " ") + " " + explanation(rule)))
        }
        return made
    }

    /// What the rule presumes and what its fix does, in plain words, for the proposal's rationale.
    public static func explanation(_ rule: QualityCode) -> String {
        switch rule {
        case .presumedSwappedCoordinate:
            return "When a point lies outside the country the record names and the point with latitude and longitude "
                + "exchanged lies inside it, the two were most likely entered the wrong way round; this exchanges them."
        case .presumedNegatedLatitude:
            return "When a point lies outside the country the record names and the same point with the latitude's sign "
                + "changed lies inside it, the hemisphere (N/S) was most likely lost; this changes the sign."
        case .presumedNegatedLongitude:
            return "When a point lies outside the country the record names and the same point with the longitude's sign "
                + "changed lies inside it, the hemisphere (E/W) was most likely lost; this changes the sign."
        case .zeroCoordinate:
            return "A latitude and longitude of exactly 0 usually stand for coordinates nobody knew; this removes them, "
                + "so that the record does not claim a point in the Gulf of Guinea."
        case .coordinateInvalid:
            return "A coordinate written with a hemisphere letter (41.05 N) is a decimal number with a sign in Darwin Core; "
                + "this writes it so."
        case .countryInvalid:
            return "The country term should be a country's name and countryCode an ISO 3166-1 alpha-2 code; this writes "
                + "the one the other, or the value, identifies."
        case .countryMismatch:
            return "country and countryCode name different countries and the coordinates lie in one of them; this makes "
                + "the other agree with the coordinates."
        case .basisOfRecordInvalid:
            return "basisOfRecord takes Darwin Core's values spelt exactly; this writes the value as Darwin Core spells it."
        case .depthUnlikely, .elevationUnlikely:
            return "A minimum above its maximum was most likely entered the wrong way round; this exchanges the two."
        case .taxonRankInconsistent:
            return "taxonRank should be the rank of the name in scientificName; this sets the rank the name's form shows."
        default:
            return "This applies the fix the check names."
        }
    }
}
