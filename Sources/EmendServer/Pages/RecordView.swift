import EmendCore
import EmendStore

/// How a record's terms are laid out on its pages: by Darwin Core class, in the TDWG list's order.
enum RecordView {
    static let classOrder = [
        "Record-level", "Occurrence", "Organism", "MaterialEntity", "Event", "Location", "GeologicalContext", "Identification", "Taxon",
    ]

    static func groups(_ fields: [String: String]) -> [[String: Any]] {
        var byClass: [String: [String]] = [:]
        for term in fields.keys {
            let termClass = TermRegistry.shared.term(named: term)?.termClass ?? ""
            byClass[classOrder.contains(termClass) ? termClass : "Other terms", default: []].append(term)
        }
        return (classOrder + ["Other terms"]).compactMap { name in
            guard let terms = byClass[name] else { return nil }
            return [
                "name": name, "slug": name.lowercased().replacingOccurrences(of: " ", with: "-"),
                "fields": TermRegistry.shared.sorted(terms).map { ["term": $0, "value": fields[$0] ?? ""] },
            ]
        }
    }

    /// The best short name for a record: its scientific name, else its catalogue number, else its id.
    /// The record's point, when both coordinates are numbers in range.
    static func point(_ fields: [String: String]) -> (latitude: Double, longitude: Double)? {
        guard let latitude = fields["decimalLatitude"].flatMap(Double.init), let longitude = fields["decimalLongitude"].flatMap(Double.init),
            (-90...90).contains(latitude), (-180...180).contains(longitude)
        else { return nil }
        return (latitude, longitude)
    }

    static func heading(_ fields: [String: String], id: String) -> String {
        fields["scientificName"] ?? fields["catalogNumber"].map { "Specimen \($0)" } ?? id
    }

    static func changes(_ changes: [TermChange]) -> [[String: String]] {
        changes.map { ["term": $0.term, "from": $0.from ?? "—", "to": $0.to ?? "(removed)"] }
    }

    static func cause(_ cause: JSONValue?) -> String {
        switch cause?["kind"]?.stringValue {
        case "import": "re-import of \(cause?["dataset"]?.stringValue ?? "the dataset")"
        case "proposal": "accepted correction"
        case "revert": "version \(cause?["version"]?.intValue.map(String.init) ?? "?") restored: \(cause?["reason"]?.stringValue ?? "")"
        case let kind?: kind
        case nil: "first import"
        }
    }

    static func proposal(_ proposal: Proposal) -> [String: Any] {
        var view: [String: Any] = [
            "id": proposal.id, "recordID": proposal.recordID, "status": proposal.status, "actorName": proposal.actorName ?? proposal.actor,
            "submittedAt": proposal.submittedAt.rfc3339, "baseVersion": proposal.baseVersion, "rationale": proposal.rationale,
            "changes": changes(proposal.changes), "terms": proposal.changes.map(\.term).joined(separator: ", "),
        ]
        if let question = proposal.question { view["question"] = question }
        if let answer = proposal.answer { view["answer"] = answer }
        view["needsInfo"] = proposal.status == "needs-info"
        if let decided = proposal.decidedAt {
            let outcome = proposal.acceptedVersion.map { "accepted into version \($0)" } ?? proposal.status
            view["decision"] = "\(outcome) on \(decided.rfc3339)\(proposal.reason.map { ". The curator wrote: \($0)" } ?? "")"
        }
        return view
    }

    /// A quality flag as the record page explains it, with its fix where the check implies one.
    static func flag(_ flag: QualityFlag) -> [String: Any] {
        var view: [String: Any] = [
            "code": flag.code.rawValue, "severity": flag.severity.rawValue, "message": flag.message,
            "terms": flag.terms.joined(separator: ", "), "searchLink": "/search?flag=\(flag.code.rawValue)",
        ]
        if !flag.suggestedChanges.isEmpty {
            view["fix"] = flag.suggestedChanges.sorted { $0.key < $1.key }
                .map { "\($0.key) → \($0.value.map { "“\($0)”" } ?? "(removed)")" }.joined(separator: "; ")
        }
        return view
    }

    static func annotation(_ annotation: Annotation) -> [String: Any] {
        var view: [String: Any] = [
            "id": annotation.id,
            "recordID": annotation.recordID, "motivation": annotation.motivation, "text": annotation.text,
            "actorName": annotation.actorName ?? annotation.actor, "createdAt": annotation.createdAt.rfc3339,
            "version": annotation.version,
        ]
        if let term = annotation.term { view["term"] = term }
        return view
    }

    static func report(_ report: Report) -> [String: Any] {
        var view: [String: Any] = [
            "id": report.id,
            "recordID": report.recordID, "status": report.status, "category": report.category, "description": report.description,
            "filedAt": report.filedAt.rfc3339,
        ]
        if let term = report.term { view["term"] = term }
        return view
    }

    static func options(_ values: [String], selected: String?) -> [[String: Any]] {
        values.map { ["value": $0, "label": $0.prefix(1).uppercased() + $0.dropFirst(), "selected": $0 == selected] }
    }
}
