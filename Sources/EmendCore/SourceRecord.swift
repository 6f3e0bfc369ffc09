/// One core row of a source file, with its extension rows, as the importer hands it to the store.
public struct SourceRecord: Sendable, Equatable {
    /// Where it came from, for messages: `occurrence.txt line 12`.
    public var location: String
    /// The key the record id is derived from: occurrenceID, else the core id, else the
    /// institutionCode:collectionCode:catalogNumber triplet; nil when the row has none of them.
    public var key: String?
    public var fields: [String: String]
    public var extensions: ExtensionRows

    public init(location: String, key: String?, fields: [String: String], extensions: ExtensionRows = [:]) {
        self.location = location
        self.key = key
        self.fields = fields
        self.extensions = extensions
    }

    /// The key rule of DESIGN §3.
    public static func key(fields: [String: String], coreID: String?) -> String? {
        if let occurrenceID = fields["occurrenceID"], !occurrenceID.isEmpty { return occurrenceID }
        if let coreID, !coreID.isEmpty { return coreID }
        if let catalogNumber = fields["catalogNumber"], !catalogNumber.isEmpty {
            return "\(fields["institutionCode"] ?? ""):\(fields["collectionCode"] ?? ""):\(catalogNumber)"
        }
        return nil
    }
}

/// A row the importer could not take, or took with a remark; counted by kind and shown by example.
public struct RowProblem: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// No occurrenceID, core id or catalogue number: skipped (there is nothing stable to name it by).
        case missingID = "missing id"
        /// The same key twice in one import: the first is kept, the later ones skipped.
        case duplicateID = "duplicate id"
        /// A row with more or fewer cells than the header: skipped.
        case malformedRow = "malformed row"
        /// An extension row whose core id is not in the core file: skipped.
        case orphanedExtensionRow = "orphaned extension row"
    }

    public var kind: Kind
    public var location: String
    public var detail: String

    public init(kind: Kind, location: String, detail: String) {
        self.kind = kind
        self.location = location
        self.detail = detail
    }
}

/// A fatal problem: the whole import is refused and nothing is written.
public struct ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var reason: String

    public init(file: String, line: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        line.map { "\(file) line \($0): \(reason)" } ?? "\(file): \(reason)"
    }
}

/// Reads source records one at a time, so that an import never holds a whole file in memory. Its type is Sendable: an
/// import reads on a thread of its own, through a closure that names the reader's type.
public protocol SourceRecordReader: SendableMetatype {
    /// The next record, nil at the end. Row problems go to `problems`; a fatal one throws.
    mutating func next(problems: inout [RowProblem]) throws(ImportError) -> SourceRecord?
}
