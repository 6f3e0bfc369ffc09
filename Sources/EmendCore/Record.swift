import Crypto

/// The event types of the log. Each stream kind has its own small set.
public enum EventType {
    /// `record/<id>` version 1: `{"dataset", "fields": {term: value}, "extensions"?: {rowType: [{term: value}]}}`
    public static let recordImported = "RecordImported"
    /// `record/<id>` version n+1: `{"cause": {...}, "changes": {term: {"from", "to"}}, "extensions"?: {...}}`;
    /// `to` null removes the term; `extensions` replaces the rows of each row type it names.
    public static let recordRevised = "RecordRevised"
    /// `citation/<id>` version 1: `{"parameters": [[name, value]...], "seq", "total"}`: a search cited as of a log
    /// position; the id derives from the parameters and the seq, so citing the same again finds this one.
    public static let citationCreated = "CitationCreated"
    /// `dataset/<id>`: one per import, with its summary.
    public static let datasetImported = "DatasetImported"
    /// `user/<id>`: `{"name", "role", "scopes": [...]}`.
    public static let userAdded = "UserAdded"
    /// `proposal/<id>` version 1: `{"record", "baseVersion", "changes": {term: {"from", "to"}}, "rationale", "report"?,
    /// "rule"?}`; `rule` (a quality flag's code) marks a machine suggestion by `system:quality`.
    public static let proposalSubmitted = "ProposalSubmitted"
    /// `proposal/<id>` version 2 or later: `{"record", "version", "changes": {term: {"from", "to"}}, "note"?}`: the curator
    /// accepted these changes, which made `version` of the record (a RecordRevised with cause `proposal`).
    public static let proposalAccepted = "ProposalAccepted"
    /// `proposal/<id>` version 2 or later: `{"reason"}`.
    public static let proposalRejected = "ProposalRejected"
    /// `proposal/<id>`: `{"question"}`: the curator asks the contributor for more before deciding.
    public static let proposalQuestioned = "ProposalQuestioned"
    /// `proposal/<id>`: `{"answer", "baseVersion"?, "changes"?}`: the contributor answers, and may amend the changes.
    public static let proposalAmended = "ProposalAmended"
    /// `annotation/<id>` version 1: `{"record", "version", "motivation", "text", "term"?}` (W3C Web Annotation).
    public static let annotationAdded = "AnnotationAdded"
    /// `report/<id>` version 2: `{"resolution": "fixed"|"not-a-problem"|"duplicate", "version"?, "note"?}`;
    /// `version` is the record version that fixed it.
    public static let reportResolved = "ReportResolved"
    /// `annotation/<id>` version 2: `{"reason"}`: a curator hid the note from the public pages (spam, abuse).
    public static let annotationHidden = "AnnotationHidden"
    /// `report/<id>` version 1: `{"record", "version", "category", "description", "term"?}`.
    public static let reportFiled = "ReportFiled"
    /// `bot/quality`: `{"through", "checked", "suggested": {rule: n}}` (actor `system:quality`): the quality bot has
    /// checked every record version up to seq `through`, `checked` of them since its last such event, and filed
    /// `suggested` machine suggestions (ProposalSubmitted with a `rule`) meanwhile. Its watermark.
    public static let qualityChecked = "QualityChecked"

    public static let all = [
        recordImported, recordRevised, datasetImported, userAdded, proposalSubmitted, proposalAccepted, proposalRejected,
        proposalQuestioned, proposalAmended, annotationAdded, annotationHidden, reportFiled, reportResolved, qualityChecked,
    ]
}

/// Extension rows of a record, by the short name of their row type (`Multimedia`, `Identification`, …).
public typealias ExtensionRows = [String: [[String: String]]]

/// A record's state: the fold of the events of its stream.
public struct RecordState: Sendable, Equatable {
    public var id: String
    public var dataset: String
    public var version: Int64
    public var fields: [String: String]
    public var extensions: ExtensionRows

    public init(id: String, dataset: String, version: Int64, fields: [String: String], extensions: ExtensionRows) {
        self.id = id
        self.dataset = dataset
        self.version = version
        self.fields = fields
        self.extensions = extensions
    }

    public static func stream(_ id: String) -> String { "record/\(id)" }

    /// Folds one event of the record's stream. Unknown event types leave the state as it is.
    public static func apply(_ event: RecordedEvent, to state: RecordState?, id: String) -> RecordState? {
        switch event.type {
        case EventType.recordImported:
            return RecordState(
                id: id, dataset: event.data["dataset"]?.stringValue ?? "", version: event.streamVersion,
                fields: event.data["fields"]?.stringMap ?? [:],
                extensions: Self.extensions(from: event.data["extensions"]))
        case EventType.recordRevised:
            guard var state else { return nil }
            state.version = event.streamVersion
            for (term, change) in event.data["changes"]?.objectValue ?? [:] {
                state.fields[term] = change["to"]?.stringValue
            }
            for (rowType, rows) in Self.extensions(from: event.data["extensions"]) {
                state.extensions[rowType] = rows.isEmpty ? nil : rows
            }
            return state
        default:
            return state
        }
    }

    public static func extensions(from value: JSONValue?) -> ExtensionRows {
        var rows: ExtensionRows = [:]
        for (rowType, list) in value?.objectValue ?? [:] {
            rows[rowType] = (list.arrayValue ?? []).compactMap(\.stringMap)
        }
        return rows
    }

    /// What a RecordRevised from `old` to `new` carries as `extensions`: the new rows of each row type that differs.
    public static func extensionChanges(from old: ExtensionRows, to new: ExtensionRows) -> ExtensionRows {
        let changed = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }
        return Dictionary(uniqueKeysWithValues: changed.map { ($0, new[$0] ?? []) })
    }

    public static func json(_ extensions: ExtensionRows) -> JSONValue {
        .object(extensions.mapValues { .array($0.map(JSONValue.init)) })
    }
}

/// One term's change between two versions; nil is "absent".
public struct TermChange: Sendable, Equatable {
    public var term: String
    public var from: String?
    public var to: String?

    public init(term: String, from: String?, to: String?) {
        self.term = term
        self.from = from
        self.to = to
    }

    /// The terms whose values differ from `old` to `new`, in order. `among`, when the caller knows them: the only
    /// terms that can differ (those a revision names): comparing every term of each version took a quarter of the
    /// time of a history of 1,000 versions.
    public static func between(_ old: [String: String], _ new: [String: String], among terms: [String]? = nil) -> [TermChange] {
        (terms.map(Set.init) ?? Set(old.keys).union(new.keys)).sorted().compactMap { term in
            old[term] == new[term] ? nil : TermChange(term: term, from: old[term], to: new[term])
        }
    }

    public static func json(_ changes: [TermChange]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: changes.map { ($0.term, ["from": JSONValue($0.from), "to": JSONValue($0.to)]) }))
    }
}

/// Stable, URL-safe identifiers derived from what the source says, so that re-importing gives the same ids.
public enum Identifiers {
    /// A record's id: 20 base32 characters of SHA-256(dataset, key).
    public static func recordID(dataset: String, key: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(dataset.utf8) + [0x1F] + Array(key.utf8))
        return base32(Array(hasher.finalize().prefix(13))).prefix(20).description
    }

    /// A citation's id: 12 base32 characters of SHA-256 over the canonical JSON of its search parameters and seq.
    public static func citationID(parameters: [(String, String)], seq: Int64) -> String {
        let canonical = CanonicalJSON.encode(
            ["parameters": .array(parameters.map { .array([.string($0.0), .string($0.1)]) }), "seq": .int(seq)])
        return base32(Array(SHA256.hash(data: canonical).prefix(8))).prefix(12).description
    }

    /// A dataset id from a name: lower case letters, digits and single hyphens.
    public static func slug(_ name: String) -> String {
        var out = ""
        for scalar in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else if !out.isEmpty, !out.hasSuffix("-") {
                out += "-"
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return String(out.prefix(64))
    }

    /// An event's or a proposal's id: a random (version 4) UUID in lower case. Foundation's `UUID()` asks the
    /// kernel for its bytes one call each and then formats them through `NSString`, 6.5 µs; an import makes one
    /// per record.
    public static func randomUUID() -> String {
        var random = SystemRandomNumberGenerator()
        var bytes = (random.next() as UInt64, random.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { bytes in
            bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
            bytes[8] = bytes[8] & 0x3F | 0x80  // the RFC 4122 variant
            return String(unsafeUninitializedCapacity: 36) { out in
                var at = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    out[at] = hexDigits[Int(byte >> 4)]
                    out[at + 1] = hexDigits[Int(byte & 15)]
                    at += 2
                }
                return at
            }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
        return String(unsafeUninitializedCapacity: (bytes.count * 8 + 4) / 5) { out in
            var at = 0, buffer = 0, bits = 0
            for byte in bytes {
                buffer = buffer << 8 | Int(byte)
                bits += 8
                while bits >= 5 {
                    out[at] = alphabet[(buffer >> (bits - 5)) & 31]
                    at += 1
                    bits -= 5
                }
            }
            if bits > 0 {
                out[at] = alphabet[(buffer << (5 - bits)) & 31]
                at += 1
            }
            return at
        }
    }
}
