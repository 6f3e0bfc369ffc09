import EmendCore
import EmendStore

/// How the API writes each kind of thing as JSON.
enum Representation {
    /// A record at one version; read as of a position in the log, with that position's seq as `asOf`.
    static func record(_ version: RecordVersion, asOf: LogPosition? = nil) -> JSONValue {
        let flags = version.flags
        var json: [String: JSONValue] = [
            "id": .string(version.state.id), "version": .int(version.state.version), "dataset": .string(version.state.dataset),
            "seq": .int(version.seq), "recordedAt": .string(version.recordedAt.rfc3339), "fields": JSONValue(version.state.fields),
            "flags": .array(flags.codes.map { .string($0.rawValue) }), "quality": .array(flags.map(\.json)),
        ]
        if !version.state.extensions.isEmpty { json["extensions"] = RecordState.json(version.state.extensions) }
        if let asOf { json["asOf"] = .int(asOf.seq) }
        return .object(json)
    }

    /// A search answer in canonical JSON. Each record's `fields` is copied from the read model, which holds it in
    /// canonical form already: parsing and writing it again was most of a search's cost. Keys stay in sorted order.
    static func search(_ result: SearchResult) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024 + result.records.reduce(0) { $0 + $1.fieldsJSON.utf8.count + 96 })
        out += Array("{".utf8)
        if let asOf = result.asOf { out += Array(#""asOf":\#(asOf.seq),"#.utf8) }
        out += Array(#""facets":"#.utf8)
        CanonicalJSON.write(
            .object(
                Dictionary(uniqueKeysWithValues: result.facets.map { facet in
                    (facet.term.rawValue, .array(facet.values.map { ["value": .string($0.value), "count": .int(Int64($0.count))] }))
                })), into: &out)
        out += Array(#","next":"#.utf8)
        CanonicalJSON.write(JSONValue(result.next), into: &out)
        out += Array(#","records":["#.utf8)
        for (index, record) in result.records.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(#"{"dataset":"#.utf8)
            CanonicalJSON.writeString(record.dataset, into: &out)
            out += Array(#","fields":"#.utf8)
            out += Array(record.fieldsJSON.utf8)
            out += Array(#","flags":"#.utf8)
            out += Array((record.flagsJSON ?? "[]").utf8)
            out += Array(#","id":"#.utf8)
            CanonicalJSON.writeString(record.id, into: &out)
            out += Array(#","version":\#(record.version)}"#.utf8)
        }
        out += Array(#"],"total":\#(result.total)}"#.utf8)
        return out
    }

    static func history(id: String, _ versions: [RecordVersion], asOf: LogPosition?) -> JSONValue {
        var json: [String: JSONValue] = [
            "id": .string(id),
            "versions": .array(versions.map { version in
                [
                    "version": .int(version.state.version), "seq": .int(version.seq), "recordedAt": .string(version.recordedAt.rfc3339),
                    "actor": .string(version.actor), "cause": version.cause ?? ["kind": "import"], "changes": changes(version.changes),
                ]
            }),
        ]
        if let asOf { json["asOf"] = .int(asOf.seq) }
        return .object(json)
    }

    static func changes(_ changes: [TermChange]) -> JSONValue {
        .array(changes.map { ["term": .string($0.term), "from": JSONValue($0.from), "to": JSONValue($0.to)] })
    }

    static func proposal(_ proposal: Proposal) -> JSONValue {
        [
            "id": .string(proposal.id), "record": .string(proposal.recordID), "baseVersion": .int(proposal.baseVersion),
            "changes": changes(proposal.changes), "rationale": .string(proposal.rationale), "actor": .string(proposal.actor),
            "status": .string(proposal.status), "seq": .int(proposal.seq), "submittedAt": .string(proposal.submittedAt.rfc3339),
            "question": JSONValue(proposal.question), "answer": JSONValue(proposal.answer),
            "decision": proposal.decidedAt.map { decidedAt in
                [
                    "by": JSONValue(proposal.decidedBy), "at": .string(decidedAt.rfc3339), "reason": JSONValue(proposal.reason),
                    "version": proposal.acceptedVersion.map(JSONValue.int) ?? .null,
                ]
            } ?? .null,
        ]
    }

    static func report(_ report: Report) -> JSONValue {
        var json: [String: JSONValue] = [
            "id": .string(report.id), "record": .string(report.recordID), "version": .int(report.version),
            "category": .string(report.category), "description": .string(report.description), "actor": .string(report.actor),
            "status": .string(report.status), "seq": .int(report.seq), "filedAt": .string(report.filedAt.rfc3339),
        ]
        if let term = report.term { json["term"] = .string(term) }
        if let note = report.note { json["note"] = .string(note) }
        if let version = report.fixedVersion { json["fixedVersion"] = .int(version) }
        if let proposal = report.proposalID { json["proposal"] = .string(proposal) }
        return .object(json)
    }

    /// A note as a W3C Web Annotation (JSON-LD): a textual body on the record, at its version, or on one term. Its
    /// `id` is its IRI in the annotation container, `{baseURL}/annotations/{id}`, where it can be read.
    static func annotation(_ annotation: Annotation, baseURL: String) -> JSONValue {
        [
            "@context": "http://www.w3.org/ns/anno.jsonld", "id": .string(annotationIRI(annotation.id, baseURL: baseURL)),
            "type": "Annotation", "motivation": .string(annotation.motivation), "created": .string(annotation.createdAt.rfc3339),
            "creator": annotationCreator(annotation.actor, name: annotation.actorName),
            "body": ["type": "TextualBody", "value": .string(annotation.text), "format": "text/plain"],
            "target": annotationTarget(record: annotation.recordID, version: annotation.version, term: annotation.term, baseURL: baseURL),
        ]
    }

    static func annotationIRI(_ id: String, baseURL: String) -> String { "\(baseURL)/annotations/\(id)" }

    /// A contributor as the creator of an annotation: `urn:uuid:` and their user id, and their name when known.
    static func annotationCreator(_ actor: String, name: String?) -> JSONValue {
        var creator: [String: JSONValue] = ["id": .string("urn:uuid:\(actor)"), "type": "Person"]
        if let name { creator["nickname"] = .string(name) }
        return .object(creator)
    }

    /// The record at one version, or one of its terms there (a `term=NAME` FragmentSelector).
    static func annotationTarget(record: String, version: Int64, term: String?, baseURL: String) -> JSONValue {
        var target: [String: JSONValue] = [
            "type": "SpecificResource", "source": .string("\(baseURL)/api/records/\(record)?version=\(version)"),
        ]
        if let term {
            target["selector"] = [
                "type": "FragmentSelector", "conformsTo": "http://tools.ietf.org/rfc/rfc3986", "value": .string("term=\(term)"),
            ]
        }
        return .object(target)
    }
}
