/// Input refused, with the part of it that is wrong (a term, a parameter, a form field) and why.
public struct InvalidInput: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

/// What the public may contribute to a record, and the rules that keep it within bounds. Each `decide`
/// checks a command against the record it targets and returns the data of the event to append.
public enum Contributions {
    public static let maxChangedTerms = 50
    public static let maxValueLength = 4_000
    public static let maxTextLength = 4_000

    /// A proposed correction: per term, the value the record holds now and the one proposed (nil removes the term).
    /// An empty or blank proposed value also removes the term; changes equal to the current value are dropped.
    public static func proposal(
        for record: RecordState, changes: [String: String?], rationale: String, fromReport report: String? = nil
    ) throws(InvalidInput) -> JSONValue {
        guard changes.count <= maxChangedTerms else {
            throw InvalidInput(field: "changes", reason: "at most \(maxChangedTerms) terms in one proposal; this has \(changes.count)")
        }
        var diff: [TermChange] = []
        for (term, proposed) in changes.sorted(by: { $0.key < $1.key }) {
            try checkTerm(term, on: record, field: "changes.\(term)")
            let value = proposed.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
            if let value, value.count > maxValueLength {
                throw InvalidInput(field: "changes.\(term)", reason: "a value is at most \(maxValueLength) characters")
            }
            if record.fields[term] != value { diff.append(TermChange(term: term, from: record.fields[term], to: value)) }
        }
        guard !diff.isEmpty else {
            throw InvalidInput(field: "changes", reason: "the proposal changes nothing: every value equals the record's")
        }
        var data: [String: JSONValue] = [
            "record": .string(record.id), "baseVersion": .int(record.version), "changes": TermChange.json(diff),
            "rationale": .string(try requiredText(rationale, field: "rationale")),
        ]
        if let report { data["report"] = .string(report) }
        return .object(data)
    }

    public enum Motivation: String, CaseIterable, Sendable {
        case commenting, assessing, identifying, tagging
    }

    /// A public note on a record (or one of its terms), in the W3C Web Annotation model.
    public static func annotation(
        for record: RecordState, motivation: String, text body: String, term: String?
    ) throws(InvalidInput) -> JSONValue {
        guard Motivation(rawValue: motivation) != nil else {
            throw InvalidInput(
                field: "motivation", reason: "one of \(Motivation.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(motivation)\"")
        }
        var data: JSONValue = [
            "record": .string(record.id), "version": .int(record.version), "motivation": .string(motivation),
            "text": .string(try requiredText(body, field: "text")),
        ]
        if let term = nonBlank(term) {
            try checkTerm(term, on: record, field: "term")
            data = data.adding("term", .string(term))
        }
        return data
    }

    public enum ReportCategory: String, CaseIterable, Sendable {
        case location, identification, date, collector, other
    }

    /// A report of a problem with a record, which anybody may file.
    public static func report(
        for record: RecordState, category: String, description: String, term: String?
    ) throws(InvalidInput) -> JSONValue {
        guard ReportCategory(rawValue: category) != nil else {
            throw InvalidInput(
                field: "category", reason: "one of \(ReportCategory.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(category)\"")
        }
        var data: JSONValue = [
            "record": .string(record.id), "version": .int(record.version), "category": .string(category),
            "description": .string(try requiredText(description, field: "description")),
        ]
        if let term = nonBlank(term) {
            try checkTerm(term, on: record, field: "term")
            data = data.adding("term", .string(term))
        }
        return data
    }

    /// A term may be any current Darwin Core or Dublin Core term, or one the record already holds.
    private static func checkTerm(_ term: String, on record: RecordState, field: String) throws(InvalidInput) {
        if record.fields[term] != nil { return }
        switch TermRegistry.shared.resolve(term) {
        case .current(let name) where name == term:
            return
        case .current(let name), .replaced(_, let name):
            throw InvalidInput(field: field, reason: "\"\(term)\" is not a current Darwin Core term name; use \"\(name)\"")
        case .unknown:
            throw InvalidInput(field: field, reason: "\"\(term)\" is not a Darwin Core term and not on this record")
        }
    }

    /// Text a person must give (a rationale, a reason, an answer): trimmed, not empty, within the limit.
    public static func requiredText(_ value: String, field: String) throws(InvalidInput) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw InvalidInput(field: field, reason: "is required") }
        guard trimmed.count <= maxTextLength else {
            throw InvalidInput(field: field, reason: "at most \(maxTextLength) characters; this has \(trimmed.count)")
        }
        return trimmed
    }

    private static func nonBlank(_ value: String?) -> String? {
        value.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension JSONValue {
    /// The object with one more member.
    func adding(_ key: String, _ value: JSONValue) -> JSONValue {
        var members = objectValue ?? [:]
        members[key] = value
        return .object(members)
    }
}
