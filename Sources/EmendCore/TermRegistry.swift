import Foundation

/// The Darwin Core and Dublin Core terms Emend knows, from the TDWG term list shipped in `Resources/dwc-terms.csv`
/// (made by `scripts/make-term-registry.py`). It turns whatever a source calls a column — `decimalLatitude`,
/// `dwc:decimalLatitude`, a full IRI, or a legacy name such as `DecimalLatitude` — into the current term name.
public struct TermRegistry: Sendable {
    public struct Term: Sendable, Hashable {
        public let name: String
        public let iri: String
        /// The Darwin Core class the term is organised in (Record-level, Occurrence, Event, Location, Taxon, …).
        public let termClass: String
    }

    /// How a column name was understood.
    public enum Resolution: Sendable, Hashable {
        case current(String)
        /// A superseded or deprecated name, mapped to the current term that replaces it.
        case replaced(old: String, by: String)
        /// Not a Darwin Core or Dublin Core term: kept on the record under `name`, and reported.
        case unknown(String)

        public var term: String {
            switch self {
            case .current(let name), .replaced(_, let name), .unknown(let name): return name
            }
        }
    }

    public static let shared = TermRegistry()

    /// Current terms in the order of the TDWG list.
    public let terms: [Term]
    private let currentByName: [String: Term]
    private let currentByLowercasedName: [String: String]
    private let byIRI: [String: Resolution]
    private let legacyByName: [String: String]
    private let order: [String: Int]

    private static let prefixes = [
        "dwc:": "http://rs.tdwg.org/dwc/terms/", "dwciri:": "http://rs.tdwg.org/dwc/iri/",
        "dcterms:": "http://purl.org/dc/terms/", "dc:": "http://purl.org/dc/elements/1.1/",
    ]

    private init() {
        let url = Bundle.module.url(forResource: "dwc-terms", withExtension: "csv")!
        let text = try! String(contentsOf: url, encoding: .utf8)
        var terms: [Term] = [], byName: [String: Term] = [:], byIRI: [String: Resolution] = [:]
        var legacy: [String: String] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let (name, iri, status, current, termClass) = (cells[0], cells[1], cells[2], cells[3], cells[4])
            if status == "current" {
                let term = Term(name: name, iri: iri, termClass: termClass)
                byIRI[iri] = .current(name)
                // The dwc: (literal) form of a term comes before its dwciri: twin and wins.
                if byName[name] == nil || iri.hasPrefix("http://rs.tdwg.org/dwc/terms/") {
                    if byName[name] == nil { terms.append(term) }
                    byName[name] = term
                }
            } else if !current.isEmpty, current != name {
                byIRI[iri] = .replaced(old: name, by: current)
                if byName[name] == nil { legacy[name] = current }
            }
        }
        self.terms = terms.map { byName[$0.name]! }
        self.currentByName = byName
        self.currentByLowercasedName = Dictionary(byName.keys.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        self.byIRI = byIRI
        self.legacyByName = legacy.filter { byName[$0.key] == nil }
        self.order = Dictionary(uniqueKeysWithValues: self.terms.enumerated().map { ($1.name, $0) })
    }

    public func term(named name: String) -> Term? {
        currentByName[name]
    }

    /// Understands a column name from a header row or a meta.xml `term` attribute.
    public func resolve(_ header: String) -> Resolution {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        var iri = trimmed
        for (prefix, namespace) in Self.prefixes where trimmed.hasPrefix(prefix) {
            iri = namespace + trimmed.dropFirst(prefix.count)
        }
        if let known = byIRI[iri] { return known }
        // Only an IRI is cut to its last segment: a plain column name such as "Genus/Species" stays whole.
        let isIRI = ["http://", "https://", "urn:"].contains { iri.lowercased().hasPrefix($0) }
        let local = isIRI ? String(iri.split(whereSeparator: { $0 == "/" || $0 == "#" || $0 == ":" }).last ?? Substring(iri)) : iri
        if currentByName[local] != nil { return .current(local) }
        if iri.hasPrefix("http://purl.org/dc/terms/") || iri.hasPrefix("http://purl.org/dc/elements/1.1/") {
            return .current(local)  // Dublin Core terms outside the Darwin Core list (title, format, creator…)
        }
        if let current = legacyByName[local] { return .replaced(old: local, by: current) }
        if let current = currentByLowercasedName[local.lowercased()] { return .replaced(old: local, by: current) }
        return .unknown(local)
    }

    /// Orders term names as the TDWG list does, unknown terms last in alphabetical order.
    public func sorted(_ names: some Sequence<String>) -> [String] {
        names.sorted { a, b in
            switch (order[a], order[b]) {
            case let (x?, y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
    }
}
