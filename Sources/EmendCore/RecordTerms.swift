/// The values of the terms Emend reads for itself, one slot per term: what the quality checks judge, the records
/// table's columns hold and the record counts count. Each is looked up by its place, not by hashing its name: verify
/// reads a million records, each term of each several times, and hashing the names took a sixth of its CPU.
/// A record's other terms are only stored, shown and searched as text with the rest of its fields.
public struct RecordTerms: Sendable, Equatable {
    public enum Term: Int, CaseIterable, Sendable {
        case basisOfRecord, catalogNumber, collectionCode, coordinateUncertaintyInMeters, country, countryCode, day
        case decimalLatitude, decimalLongitude, endDayOfYear, eventDate, family, genericName, infraspecificEpithet
        case institutionCode, kingdom, maximumDepthInMeters, maximumElevationInMeters, minimumDepthInMeters
        case minimumElevationInMeters, month, phylum, scientificName, specificEpithet, startDayOfYear, taxonRank
        case typeStatus, year

        /// The Darwin Core local name: the case's own.
        public var name: String { Self.names[rawValue] }

        private static let names = allCases.map { String(describing: $0) }

        /// Each term's name as UTF-8, in the order of those bytes: for reading terms off keys that come in that order.
        public static let byName: [(name: [UInt8], term: Term)] = allCases.map { (Array($0.name.utf8), $0) }
            .sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    private var values = [String?](repeating: nil, count: Term.allCases.count)

    /// No term has a value.
    public init() {}

    /// The values `fields` (local term names → values) gives these terms.
    public init(_ fields: [String: String]) {
        for term in Term.allCases { values[term.rawValue] = fields[term.name] }
    }

    /// Leaves no term with a value, and keeps the storage: verify reads a million records' terms into one.
    public mutating func removeAll() {
        for index in values.indices { values[index] = nil }
    }

    /// The value as the record gives it, untrimmed.
    public subscript(term: Term) -> String? {
        get { values[term.rawValue] }
        set { values[term.rawValue] = newValue }
    }
}

extension RecordTerms: ExpressibleByDictionaryLiteral {
    /// The fields of a literal; names of terms that are not here are left out, as `init(_:)` leaves them.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
