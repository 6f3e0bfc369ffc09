/// How much a flag matters: `error` — the value cannot be right or cannot be used as it is; `warning` — the value is
/// valid but probably wrong; `info` — worth a look.
public enum QualitySeverity: String, Sendable, Hashable, CaseIterable {
    case error, warning, info
}

/// What a quality check found. The codes follow GBIF's occurrence issues; `QualityCheckConformance` maps them to the
/// TDWG Biodiversity Data Quality (BDQ) tests they correspond to.
public enum QualityCode: String, Sendable, Hashable, CaseIterable {
    /// decimalLatitude and decimalLongitude are both 0 (usually "no coordinates" written as zeros).
    case zeroCoordinate = "ZERO_COORDINATE"
    /// Latitude outside −90…90 or longitude outside −180…180.
    case coordinateOutOfRange = "COORDINATE_OUT_OF_RANGE"
    /// A coordinate that is not a decimal number, or one of the pair without the other.
    case coordinateInvalid = "COORDINATE_INVALID"
    /// The point is outside its stated country, and with latitude and longitude exchanged it is inside.
    case presumedSwappedCoordinate = "PRESUMED_SWAPPED_COORDINATE"
    /// The point is outside its stated country, and with the latitude's sign changed it is inside.
    case presumedNegatedLatitude = "PRESUMED_NEGATED_LATITUDE"
    /// The point is outside its stated country, and with the longitude's sign changed it is inside.
    case presumedNegatedLongitude = "PRESUMED_NEGATED_LONGITUDE"
    /// The point is outside its stated country, beyond the tolerance at borders and coasts.
    case countryCoordinateMismatch = "COUNTRY_COORDINATE_MISMATCH"
    /// countryCode is not an ISO 3166-1 alpha-2 code (error), or country is not a country name Emend knows (warning).
    case countryInvalid = "COUNTRY_INVALID"
    /// country and countryCode name different countries.
    case countryMismatch = "COUNTRY_MISMATCH"
    /// eventDate is not ISO 8601, or year, month or day is not a valid number for what it is.
    case recordedDateInvalid = "RECORDED_DATE_INVALID"
    /// The date is in the future (error) or before 1582-11-15, the Gregorian calendar (warning).
    case recordedDateUnlikely = "RECORDED_DATE_UNLIKELY"
    /// eventDate disagrees with year, month, day, startDayOfYear or endDayOfYear.
    case recordedDateMismatch = "RECORDED_DATE_MISMATCH"
    /// basisOfRecord is not a Darwin Core class or basisOfRecord value, spelled as Darwin Core spells it.
    case basisOfRecordInvalid = "BASIS_OF_RECORD_INVALID"
    /// The first word of a part of typeStatus is not in GBIF's type status vocabulary.
    case typeStatusInvalid = "TYPE_STATUS_INVALID"
    /// coordinateUncertaintyInMeters is not a number from 1 to 20,037,509 (half the Equator).
    case coordinateUncertaintyMetersInvalid = "COORDINATE_UNCERTAINTY_METERS_INVALID"
    /// A depth that is not a number, negative, deeper than 11,000 m, or a minimum below the maximum.
    case depthUnlikely = "DEPTH_UNLIKELY"
    /// An elevation that is not a number, outside −430…8,850 m, or a minimum above the maximum.
    case elevationUnlikely = "ELEVATION_UNLIKELY"
    /// taxonRank, scientificName and its parts (genericName, specificEpithet, infraspecificEpithet) disagree.
    case taxonRankInconsistent = "TAXON_RANK_INCONSISTENT"
}

/// One finding of a quality check on a record's fields.
public struct QualityFlag: Sendable, Hashable, CustomStringConvertible {
    public var code: QualityCode
    public var severity: QualitySeverity
    /// The terms whose values the flag is about, in a fixed order.
    public var terms: [String]
    /// Plain English, naming the values involved.
    public var message: String
    /// Where the finding implies a fix: term → new value, or nil to remove the term. Empty when it does not.
    public var suggestedChanges: [String: String?]

    public init(
        code: QualityCode, severity: QualitySeverity, terms: [String], message: String,
        suggestedChanges: [String: String?] = [:]
    ) {
        self.code = code
        self.severity = severity
        self.terms = terms
        self.message = message
        self.suggestedChanges = suggestedChanges
    }

    public var description: String { "\(code.rawValue) (\(severity.rawValue)): \(message)" }

    /// `{"code", "severity", "terms", "message", "changes"?: {term: value-or-null}}`, as the API shows flags.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "code": .string(code.rawValue), "severity": .string(severity.rawValue),
            "terms": .array(terms.map(JSONValue.string)), "message": .string(message),
        ]
        if !suggestedChanges.isEmpty {
            object["changes"] = .object(suggestedChanges.mapValues { $0.map(JSONValue.string) ?? .null })
        }
        return .object(object)
    }
}

/// What the checks find, as they find it: the flags whole, or (`codesOnly`) only their codes. A record's `flags` column
/// needs only the codes, and imports and verify check every record: leaving the messages and suggested changes (and
/// the distances and countries a message names) unmade is most of the cost of a point outside its country.
struct QualityFindings {
    let codesOnly: Bool
    /// The flags, in the checks' order; none when `codesOnly`.
    private(set) var flags: [QualityFlag] = []
    /// The flags' codes, each once, in the order first found.
    private(set) var codes: [QualityCode] = []

    init(codesOnly: Bool) { self.codesOnly = codesOnly }

    mutating func add(
        code: QualityCode, severity: QualitySeverity, terms: @autoclosure () -> [String], message: @autoclosure () -> String,
        suggestedChanges: @autoclosure () -> [String: String?] = [:]
    ) {
        if !codes.contains(code) { codes.append(code) }
        guard !codesOnly else { return }
        flags.append(QualityFlag(code: code, severity: severity, terms: terms(), message: message(), suggestedChanges: suggestedChanges()))
    }
}

extension [QualityFlag] {
    /// The flags' codes, each once, in the flags' order: a record's `flags`.
    public var codes: [QualityCode] {
        reduce(into: []) { codes, flag in if !codes.contains(flag.code) { codes.append(flag.code) } }
    }
}
