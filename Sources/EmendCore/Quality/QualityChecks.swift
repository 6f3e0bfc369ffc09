import Foundation

/// The record quality checks: pure functions of the terms of a record's fields they read (`RecordTerms`) that
/// return flags. Deterministic: the date checks take "now" as a parameter and nothing reads a clock. Values are read
/// trimmed of surrounding spaces; a value of only spaces counts as absent.
public enum QualityChecks {
    /// Every check, in a fixed order. `now` is milliseconds since 1970-01-01T00:00:00Z (dates after it are future).
    public static func check(_ fields: RecordTerms, now: Int64) -> [QualityFlag] {
        var found = QualityFindings(codesOnly: false)
        check(fields, now: now, into: &found)
        return found.flags
    }

    /// The codes `check` finds, each once, in its order, without making the flags' messages: a record's `flags`.
    public static func codes(_ fields: RecordTerms, now: Int64) -> [QualityCode] {
        var found = QualityFindings(codesOnly: true)
        check(fields, now: now, into: &found)
        return found.codes
    }

    static func check(_ fields: RecordTerms, now: Int64, into found: inout QualityFindings) {
        coordinates(fields, into: &found)
        country(fields, into: &found)
        dates(fields, now: now, into: &found)
        basisOfRecord(fields, into: &found)
        typeStatus(fields, into: &found)
        coordinateUncertainty(fields, into: &found)
        depth(fields, into: &found)
        elevation(fields, into: &found)
        taxonRank(fields, into: &found)
    }

    // MARK: Coordinates

    /// Tolerance around a country's outline (Natural Earth 1:110m) for a point that lies in another country.
    public static let landBorderToleranceKilometres = 10.0
    /// Tolerance for a point in no country's outline: at sea, off the coast, or on an island 1:110m leaves out.
    public static let coastToleranceKilometres = 55.0

    /// COORDINATE_INVALID, COORDINATE_OUT_OF_RANGE, ZERO_COORDINATE, and against the stated country (countryCode, or
    /// else country): PRESUMED_SWAPPED_COORDINATE, PRESUMED_NEGATED_LATITUDE / _LONGITUDE, COUNTRY_COORDINATE_MISMATCH.
    static func coordinates(_ fields: RecordTerms, into found: inout QualityFindings) {
        let latText = value(fields, .decimalLatitude), lonText = value(fields, .decimalLongitude)
        if latText == nil, lonText == nil { return }
        if (latText == nil) != (lonText == nil) {
            let (given, missing, text) = latText != nil
                ? ("decimalLatitude", "decimalLongitude", latText!) : ("decimalLongitude", "decimalLatitude", lonText!)
            found.add(
                code: .coordinateInvalid, severity: .error, terms: ["decimalLatitude", "decimalLongitude"],
                message: "\(given) is \(quoted(text)) but \(missing) is empty: a point needs both.")
        }
        let lat = latText.flatMap(decimal), lon = lonText.flatMap(decimal)
        func notDegrees(_ term: String, _ text: String, positive: String, negative: String) {
            let signed = signedFromHemisphere(text, positive: positive, negative: negative)
            found.add(
                code: .coordinateInvalid, severity: .error, terms: [term],
                message: "\(term) \(quoted(text)) is not a decimal number of degrees\(signed.map { " (perhaps \($0))" } ?? "").",
                suggestedChanges: signed.map { [term: $0] } ?? [:])
        }
        if lat == nil, let latText { notDegrees("decimalLatitude", latText, positive: "N", negative: "S") }
        if lon == nil, let lonText { notDegrees("decimalLongitude", lonText, positive: "E", negative: "W") }
        let latOut = lat.map { abs($0) > 90 } ?? false, lonOut = lon.map { abs($0) > 180 } ?? false
        if latOut || lonOut {
            var parts: [String] = [], terms: [String] = []
            if latOut, let latText {
                parts.append("decimalLatitude \(latText) is outside −90 to 90")
                terms.append("decimalLatitude")
            }
            if lonOut, let lonText {
                parts.append("decimalLongitude \(lonText) is outside −180 to 180")
                terms.append("decimalLongitude")
            }
            found.add(
                code: .coordinateOutOfRange, severity: .error, terms: terms,
                message: parts.joined(separator: ", and ") + ".")
        }
        guard let lat, let lon, let latText, let lonText else { return }
        if lat == 0, lon == 0 {
            found.add(
                code: .zeroCoordinate, severity: .warning, terms: ["decimalLatitude", "decimalLongitude"],
                message: "decimalLatitude \(latText) and decimalLongitude \(lonText) are both zero, which usually means "
                    + "the coordinates were not known.",
                suggestedChanges: ["decimalLatitude": nil, "decimalLongitude": nil])
            return
        }
        guard let (code, codeTerm) = statedCountry(fields) else { return }
        let atlas = CountryAtlas.shared
        guard let outline = atlas.outline(code) else { return }
        let isPoint = !latOut && !lonOut
        // The common case: the point is inside the stated country.
        if isPoint, outline.contains(latitude: lat, longitude: lon) { return }
        var uncertaintyKilometres = 0.0
        if let text = value(fields, .coordinateUncertaintyInMeters), let metres = decimal(text), metres > 0, metres <= 20_037_509 {
            uncertaintyKilometres = metres / 1000
        }
        /// Whether a point outside the country is near enough: within the tolerance at borders (when the point is in
        /// another country) or at coasts (when it is in none), plus the record's own uncertainty. Which of the two it
        /// is matters only for a point between them, and finding the countries a point is in costs more than the
        /// rest. Every point asked about has been found outside the outline already: it is not asked again.
        func nearEnough(_ lat: Double, _ lon: Double) -> Bool {
            // One distance, looked for no further than the coast's tolerance, answers for both.
            let coast = (coastToleranceKilometres + uncertaintyKilometres) / CountryAtlas.kilometresPerDegree
            let distance = outline.distanceDegrees(x: lon, y: lat, limit: coast)
            guard distance < coast else { return false }
            if distance < (landBorderToleranceKilometres + uncertaintyKilometres) / CountryAtlas.kilometresPerDegree { return true }
            return atlas.countries(containingLatitude: lat, longitude: lon).isEmpty
        }
        if isPoint, nearEnough(lat, lon) { return }
        /// Where the point is, for a message: made only when a message is.
        func place() -> String {
            let countryName = atlas.country(code: code)?.commonName ?? code
            let stated = codeTerm == "countryCode"
                ? "\(countryName) (countryCode \(code))" : "\(countryName) (country \(quoted(fields[.country] ?? "")))"
            guard isPoint else { return "not a valid point in \(stated)" }
            let km = Int(outline.distanceKilometres(latitude: lat, longitude: lon).rounded())
            let names = atlas.countries(containingLatitude: lat, longitude: lon).compactMap { atlas.country(code: $0)?.commonName }
            let whereItIs = names.isEmpty ? "" : ", in \(names.joined(separator: " or "))"
            return "about \(km) km outside \(stated)\(whereItIs)"
        }
        func point() -> String { "decimalLatitude \(latText), decimalLongitude \(lonText)" }
        func terms() -> [String] { ["decimalLatitude", "decimalLongitude", codeTerm] }
        // The point is outside the stated country: would exchanging or negating the coordinates put it inside? A
        // candidate inside the outline wins over one only near it.
        func candidate(_ index: Int) -> (code: QualityCode, lat: Double, lon: Double)? {
            let (code, newLat, newLon): (QualityCode, Double, Double) = switch index {
            case 0: (.presumedSwappedCoordinate, lon, lat)
            case 1: (.presumedNegatedLatitude, -lat, lon)
            default: (.presumedNegatedLongitude, lat, -lon)
            }
            return abs(newLat) <= 90 && abs(newLon) <= 180 && moved(lat, lon, newLat, newLon) ? (code, newLat, newLon) : nil
        }
        let candidates = (0..<3).lazy.compactMap(candidate)
        let inside = candidates.first { outline.contains(latitude: $0.lat, longitude: $0.lon) }
        if let flagCode = (inside ?? candidates.first(where: { nearEnough($0.lat, $0.lon) }))?.code {
            func correction() -> (changes: [String: String?], how: String) {
                switch flagCode {
                case .presumedSwappedCoordinate:
                    (["decimalLatitude": lonText, "decimalLongitude": latText], "with latitude and longitude exchanged")
                case .presumedNegatedLatitude: (["decimalLatitude": negated(latText)], "with the latitude's sign changed")
                default: (["decimalLongitude": negated(lonText)], "with the longitude's sign changed")  // .presumedNegatedLongitude
                }
            }
            found.add(
                code: flagCode, severity: .warning, terms: terms(),
                message: "\(point()) is \(place()); \(correction().how) it is \(inside != nil ? "inside" : "at the edge of") it.",
                suggestedChanges: correction().changes)
            return
        }
        if isPoint, moved(lat, lon, -lat, -lon), outline.contains(latitude: -lat, longitude: -lon) {
            for flagCode in [QualityCode.presumedNegatedLatitude, .presumedNegatedLongitude] {
                found.add(
                    code: flagCode, severity: .warning, terms: terms(),
                    message: "\(point()) is \(place()); with the signs of both changed it is inside it.",
                    suggestedChanges: ["decimalLatitude": negated(latText), "decimalLongitude": negated(lonText)])
            }
            return
        }
        if isPoint {
            found.add(code: .countryCoordinateMismatch, severity: .warning, terms: terms(), message: "\(point()) is \(place()).")
        }
    }

    /// The least a presumed swap or sign change must move the point, in degrees: a smaller move (a latitude of
    /// 0.4 negated) is as well explained by a point just off the coast, and is not presumed.
    public static let minimumCorrectionDegrees = 1.0

    private static func moved(_ lat: Double, _ lon: Double, _ newLat: Double, _ newLon: Double) -> Bool {
        max(abs(newLat - lat), abs(newLon - lon)) >= minimumCorrectionDegrees
    }

    /// The country the record says it is in: a valid countryCode (or one that is a name or alpha-3 code for one),
    /// else the country name. Returns the alpha-2 code and the term it came from.
    static func statedCountry(_ fields: RecordTerms) -> (String, String)? {
        let atlas = CountryAtlas.shared
        if let code = value(fields, .countryCode) {
            if atlas.knows(code: code) { return (code, "countryCode") }
            if let resolved = atlas.alpha2(forNonStandardCode: code) { return (resolved, "countryCode") }
        }
        if let name = value(fields, .country), let code = atlas.alpha2(forName: name) { return (code, "country") }
        return nil
    }

    // MARK: Country

    /// COUNTRY_INVALID (countryCode: error; country: warning) and COUNTRY_MISMATCH.
    static func country(_ fields: RecordTerms, into found: inout QualityFindings) {
        let atlas = CountryAtlas.shared
        let codeText = value(fields, .countryCode), nameText = value(fields, .country)
        var codeCountry: String? = nil, nameCountry: String? = nil
        if let codeText {
            if atlas.knows(code: codeText) {
                codeCountry = codeText
            } else {
                codeCountry = atlas.alpha2(forNonStandardCode: codeText)
                var changes: [String: String?] = [:], hint = ""
                if let codeCountry {
                    changes["countryCode"] = codeCountry
                    hint = "; it reads as \(codeCountry) (\(atlas.country(code: codeCountry)?.commonName ?? codeCountry))"
                }
                found.add(
                    code: .countryInvalid, severity: .error, terms: ["countryCode"],
                    message: "countryCode \(quoted(codeText)) is not an ISO 3166-1 alpha-2 code\(hint).",
                    suggestedChanges: changes)
            }
        }
        if let nameText {
            nameCountry = codeCountry.flatMap { atlas.isExactName(nameText, of: $0) ? $0 : nil } ?? atlas.alpha2(forName: nameText)
            if nameCountry == nil {
                var changes: [String: String?] = [:], hint = ""
                if let codeCountry, let known = atlas.country(code: codeCountry) {
                    changes["country"] = known.commonName
                    hint = "; countryCode says \(known.commonName)"
                }
                found.add(
                    code: .countryInvalid, severity: .warning, terms: ["country"],
                    message: "country \(quoted(nameText)) is not the name of a country in ISO 3166-1\(hint).",
                    suggestedChanges: changes)
            }
        }
        if let codeCountry, let nameCountry, codeCountry != nameCountry, let codeText, let nameText {
            // Where the coordinates agree with one of the two, suggest changing the other.
            var changes: [String: String?] = [:]
            if let lat = value(fields, .decimalLatitude).flatMap(decimal), let lon = value(fields, .decimalLongitude).flatMap(decimal) {
                let inName = atlas.outline(nameCountry)?.contains(latitude: lat, longitude: lon) == true
                let inCode = atlas.outline(codeCountry)?.contains(latitude: lat, longitude: lon) == true
                if inName, !inCode {
                    changes["countryCode"] = nameCountry
                } else if inCode, !inName, let known = atlas.country(code: codeCountry) {
                    changes["country"] = known.commonName
                }
            }
            let codeName = atlas.country(code: codeCountry)?.commonName ?? codeCountry
            found.add(
                code: .countryMismatch, severity: .warning, terms: ["country", "countryCode"],
                message: "country \(quoted(nameText)) is \(nameCountry), but countryCode \(quoted(codeText)) is \(codeName).",
                suggestedChanges: changes)
        }
    }

    // MARK: Dates

    /// The earliest date the date checks accept: the first full month of the Gregorian calendar, as BDQ takes it.
    public static let earliestValidDate = CivilDate(year: 1582, month: 11, day: 15)

    /// RECORDED_DATE_INVALID, RECORDED_DATE_UNLIKELY and RECORDED_DATE_MISMATCH over eventDate, year, month, day,
    /// startDayOfYear and endDayOfYear. `now`: milliseconds since 1970-01-01T00:00:00Z.
    static func dates(_ fields: RecordTerms, now: Int64, into found: inout QualityFindings) {
        let today = CivilDate(epochMilliseconds: now)
        let eventText = value(fields, .eventDate)
        var interval: EventDateInterval? = nil
        if let eventText {
            interval = EventDateInterval.parse(eventText)
            if let interval {
                if interval.start > today {
                    found.add(
                        code: .recordedDateUnlikely, severity: .error, terms: ["eventDate"],
                        message: "eventDate \(quoted(eventText)) is in the future (after \(today)).")
                } else if interval.end.year > today.year {
                    found.add(
                        code: .recordedDateUnlikely, severity: .warning, terms: ["eventDate"],
                        message: "eventDate \(quoted(eventText)) ends in the future (\(interval.end), after \(today)).")
                } else if interval.start < earliestValidDate {
                    found.add(
                        code: .recordedDateUnlikely, severity: .warning, terms: ["eventDate"],
                        message: "eventDate \(quoted(eventText)) is before \(earliestValidDate), the start of the Gregorian calendar.")
                }
            } else {
                found.add(
                    code: .recordedDateInvalid, severity: .error, terms: ["eventDate"],
                    message: "eventDate \(quoted(eventText)) is not an ISO 8601 date or interval (such as 1963-03-08, "
                        + "1963-03, 1963 or 1949-01-15/1949-01-20).")
            }
        }
        let yearText = value(fields, .year), monthText = value(fields, .month), dayText = value(fields, .day)
        var year: Int? = nil, month: Int? = nil, day: Int? = nil
        if let yearText {
            if let y = integer(yearText) {
                year = y
                if y > today.year {
                    found.add(
                        code: .recordedDateUnlikely, severity: .error, terms: ["year"],
                        message: "year \(yearText) is in the future (after \(today.year)).")
                } else if y < earliestValidDate.year {
                    found.add(
                        code: .recordedDateUnlikely, severity: .warning, terms: ["year"],
                        message: "year \(yearText) is before \(earliestValidDate.year), the start of the Gregorian calendar.")
                }
            } else {
                found.add(
                    code: .recordedDateInvalid, severity: .error, terms: ["year"],
                    message: "year \(quoted(yearText)) is not a whole number.")
            }
        }
        if let monthText {
            if let m = integer(monthText), (1...12).contains(m) {
                month = m
            } else {
                found.add(
                    code: .recordedDateInvalid, severity: .error, terms: ["month"],
                    message: "month \(quoted(monthText)) is not a whole number from 1 to 12.")
            }
        }
        if let dayText {
            if let d = integer(dayText), (1...31).contains(d) {
                day = d
                if let month {
                    // 29 February is a valid day only in a leap year; without a year, give it the benefit of the doubt.
                    let limit = CivilDate.daysIn(month: month, year: year ?? 2000)
                    if d > limit {
                        let terms = month == 2 && d == 29 ? ["day", "month", "year"] : ["day", "month"]
                        let which = month == 2 && d == 29 ? "February \(yearText ?? "")" : "month \(monthText ?? "")"
                        found.add(
                            code: .recordedDateInvalid, severity: .error, terms: terms,
                            message: "day \(dayText) is not a day of \(which) (it has \(limit) days).")
                        day = nil
                    }
                }
            } else {
                found.add(
                    code: .recordedDateInvalid, severity: .error, terms: ["day"],
                    message: "day \(quoted(dayText)) is not a whole number from 1 to 31.")
            }
        }
        if let interval, let eventText {
            var disagreements: [String] = [], terms: [String] = []
            func disagree(_ term: String, _ text: String, _ why: String) {
                terms.append(term)
                disagreements.append("\(term) is \(text)\(why)")
            }
            let spansOneDay = interval.start == interval.end && interval.isDayPrecise
            if let year, interval.start.year != year || interval.end.year != year, let yearText {
                disagree("year", yearText, "")
            }
            if let month, interval.start.month != month || interval.end.month != month
                || interval.start.year != interval.end.year || interval.startPrecision == .year, let monthText
            {
                disagree("month", monthText, "")
            }
            if let day, !spansOneDay || interval.start.day != day, let dayText {
                disagree("day", dayText, "")
            }
            if let text = value(fields, .startDayOfYear) {
                if interval.startPrecision != .day {
                    disagree("startDayOfYear", text, ", but eventDate does not give a day")
                } else if integer(text) != interval.start.dayOfYear {
                    disagree("startDayOfYear", text, " (eventDate starts on day \(interval.start.dayOfYear))")
                }
            }
            if let text = value(fields, .endDayOfYear) {
                if interval.endPrecision != .day {
                    disagree("endDayOfYear", text, ", but eventDate does not give a day")
                } else if integer(text) != interval.end.dayOfYear {
                    disagree("endDayOfYear", text, " (eventDate ends on day \(interval.end.dayOfYear))")
                }
            }
            if !disagreements.isEmpty {
                let span = interval.start == interval.end ? "\(interval.start)" : "\(interval.start) to \(interval.end)"
                found.add(
                    code: .recordedDateMismatch, severity: .warning, terms: ["eventDate"] + terms,
                    message: "eventDate \(quoted(eventText)) is \(span), but " + disagreements.joined(separator: ", ") + ".")
            }
        }
    }

    // MARK: Vocabularies

    /// basisOfRecord values Darwin Core recommends, and its class names (which it also allows).
    public static let basisOfRecordValues = Set(basisOfRecordList)
    private static let basisOfRecordList = [
        "PreservedSpecimen", "FossilSpecimen", "LivingSpecimen", "MaterialSample", "MaterialEntity", "MaterialCitation",
        "HumanObservation", "MachineObservation", "Occurrence", "Organism", "Event", "Location", "GeologicalContext",
        "Identification", "Taxon", "MeasurementOrFact", "ResourceRelationship",
    ]
    /// The same, looked up by their bytes, the commonest first: nearly every record's value is one of them as it is,
    /// and hashing it was half of this check's cost.
    private static let basisOfRecordWords = Vocabulary(basisOfRecordList)
    private static let basisOfRecordFolded: [String: String] = Dictionary(
        uniqueKeysWithValues: basisOfRecordValues.map { ($0.lowercased(), $0) })

    /// BASIS_OF_RECORD_INVALID; suggests the value when only case or spaces differ ("preserved specimen").
    static func basisOfRecord(_ fields: RecordTerms, into found: inout QualityFindings) {
        guard var text = value(fields, .basisOfRecord) else { return }
        // By bytes first; the set also finds text equal to a value only as a String (another Unicode form of it).
        if text.withUTF8({ basisOfRecordWords.meaning(of: $0) }) != nil || basisOfRecordValues.contains(text) { return }
        let folded = text.lowercased().filter { $0 != " " && $0 != "_" && $0 != "-" }
        var changes: [String: String?] = [:], hint = ""
        if let standard = basisOfRecordFolded[folded] {
            changes["basisOfRecord"] = standard
            hint = "; it should be written \(standard)"
        }
        found.add(
            code: .basisOfRecordInvalid, severity: .error, terms: ["basisOfRecord"],
            message: "basisOfRecord \(quoted(text)) is not a Darwin Core basisOfRecord value\(hint).",
            suggestedChanges: changes)
    }

    /// GBIF's type status vocabulary (concept names, lower case, without hyphens or spaces).
    public static let typeStatusValues: Set<String> = [
        "allolectotype", "alloneotype", "allotype", "cotype", "epitype", "ergatotype", "exepitype", "exholotype",
        "exisotype", "exlectotype", "exneotype", "exparatype", "exsyntype", "extype", "hapantotype", "holotype",
        "iconotype", "isoepitype", "isolectotype", "isoneotype", "isoparatype", "isosyntype", "isotype", "lectotype",
        "neotype", "notatype", "originalmaterial", "paralectotype", "paraneotype", "paratype", "plastoholotype",
        "plastoisotype", "plastolectotype", "plastoneotype", "plastoparatype", "plastosyntype", "plastotype",
        "plesiotype", "secondarytype", "supplementarytype", "syntype", "topotype", "type", "typegenus", "typespecies",
    ]

    /// TYPE_STATUS_INVALID: the first word of each `|`-separated part must be a type status (any case; plurals and
    /// hyphens allowed: "Paratypes", "ex-type"). "Holotype of Aus bus" is valid.
    static func typeStatus(_ fields: RecordTerms, into found: inout QualityFindings) {
        guard let text = value(fields, .typeStatus) else { return }
        var bad: [String] = []
        for part in text.split(separator: "|") {
            let word = part.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
            let folded = word.lowercased().filter { $0.isLetter }
            let singular = folded.hasSuffix("s") ? String(folded.dropLast()) : folded
            if !(typeStatusValues.contains(folded) || typeStatusValues.contains(singular)) {
                bad.append(word.isEmpty ? String(part) : word)
            }
        }
        guard !bad.isEmpty else { return }
        found.add(
            code: .typeStatusInvalid, severity: .warning, terms: ["typeStatus"],
            message: "typeStatus \(quoted(text)): \(bad.map(quoted).joined(separator: ", ")) is not a type status in GBIF's vocabulary.")
    }

    // MARK: Measurements

    /// COORDINATE_UNCERTAINTY_METERS_INVALID: not a number from 1 to 20,037,509 metres (half the Equator).
    static func coordinateUncertainty(_ fields: RecordTerms, into found: inout QualityFindings) {
        guard let text = value(fields, .coordinateUncertaintyInMeters) else { return }
        let why: String
        if let metres = decimal(text) {
            if metres >= 1, metres <= 20_037_509 { return }
            why = metres < 1 ? "less than 1 metre" : "more than half the Equator (20,037,509 m)"
        } else {
            why = "not a number of metres"
        }
        found.add(
            code: .coordinateUncertaintyMetersInvalid, severity: .error, terms: ["coordinateUncertaintyInMeters"],
            message: "coordinateUncertaintyInMeters \(quoted(text)) is \(why).")
    }

    /// DEPTH_UNLIKELY: each depth a number from 0 to 11,000 m, and the minimum no more than the maximum.
    static func depth(_ fields: RecordTerms, into found: inout QualityFindings) {
        range(fields, into: &found, minTerm: .minimumDepthInMeters, maxTerm: .maximumDepthInMeters, code: .depthUnlikely,
              valid: 0...11_000, outside: { $0 < 0 ? "negative (depths are measured down from the surface)" : "deeper than the deepest ocean (11,000 m)" })
    }

    /// ELEVATION_UNLIKELY: each elevation a number from −430 m (the Dead Sea shore) to 8,850 m (Everest), and the
    /// minimum no more than the maximum.
    static func elevation(_ fields: RecordTerms, into found: inout QualityFindings) {
        range(fields, into: &found, minTerm: .minimumElevationInMeters, maxTerm: .maximumElevationInMeters, code: .elevationUnlikely,
              valid: -430...8_850, outside: { $0 < 0 ? "lower than the lowest land (−430 m)" : "higher than Everest (8,850 m)" })
    }

    private static func range(
        _ fields: RecordTerms, into found: inout QualityFindings, minTerm: RecordTerms.Term, maxTerm: RecordTerms.Term, code: QualityCode,
        valid: ClosedRange<Double>, outside: (Double) -> String
    ) {
        func number(_ term: RecordTerms.Term) -> Double? {
            guard let text = value(fields, term) else { return nil }
            let name = term.name
            guard let number = decimal(text) else {
                found.add(
                    code: code, severity: .warning, terms: [name], message: "\(name) \(quoted(text)) is not a number of metres.")
                return nil
            }
            if !valid.contains(number) {
                found.add(
                    code: code, severity: .warning, terms: [name], message: "\(name) \(text) is \(outside(number)).")
            }
            return number
        }
        let low = number(minTerm), high = number(maxTerm)
        if let low, let high, low > high, let lowText = value(fields, minTerm),
            let highText = value(fields, maxTerm)
        {
            found.add(
                code: code, severity: .warning, terms: [minTerm.name, maxTerm.name],
                message: "\(minTerm.name) \(lowText) is more than \(maxTerm.name) \(highText); they look exchanged.",
                suggestedChanges: [minTerm.name: highText, maxTerm.name: lowText])
        }
    }

    // MARK: Names

    /// Ranks at or above genus, whose names are one word.
    static let supraspecificRanks: Set<String> = [
        "domain", "superkingdom", "kingdom", "subkingdom", "infrakingdom", "superphylum", "phylum", "subphylum",
        "infraphylum", "division", "subdivision", "superclass", "class", "subclass", "infraclass", "superorder", "order",
        "suborder", "infraorder", "parvorder", "superfamily", "family", "subfamily", "tribe", "subtribe", "genus",
        "subgenus", "section", "subsection", "series", "subseries",
    ]
    /// Ranks below species, whose names have a third epithet.
    static let infraspecificRanks: Set<String> = [
        "subspecies", "variety", "subvariety", "form", "forma", "subform", "infraspecificname", "infrasubspecificname",
        "convariety", "race", "natio", "morph", "aberration",
    ]
    private static let rankMarkers: Vocabulary = [
        "subsp.": "subspecies", "subsp": "subspecies", "ssp.": "subspecies", "ssp": "subspecies", "var.": "variety",
        "var": "variety", "subvar.": "subvariety", "f.": "form", "forma": "form", "fo.": "form", "subf.": "subform",
        "morph": "morph", "ab.": "aberration",
    ]
    private static let qualifiers = Vocabulary(["cf.", "cf", "aff.", "aff", "?", "nr.", "near", "sp.nov.", "×", "x"])
    private static let indeterminate = Vocabulary(["sp.", "sp", "spp.", "spp", "indet.", "indet", "sp.indet."])

    /// Words the parts of a name are looked up in by their bytes, each with what it means (or itself). Most tokens
    /// are ASCII and differ from every word in length or first letter: looking them up makes no String.
    struct Vocabulary: ExpressibleByDictionaryLiteral {
        private let entries: [(word: [UInt8], meaning: String)]

        init(_ words: [String]) { entries = words.map { (Array($0.utf8), $0) } }

        init(dictionaryLiteral elements: (String, String)...) { entries = elements.map { (Array($0.utf8), $1) } }

        /// What the token means, as it is.
        func meaning(of token: UnsafeBufferPointer<UInt8>) -> String? {
            entries.first { $0.word.elementsEqual(token) }?.meaning
        }

        /// What the token means, lower-cased (ASCII byte by byte; anything else as `lowercased()` has it).
        func meaning(ofLowercased token: UnsafeBufferPointer<UInt8>) -> String? {
            guard token.allSatisfy({ $0 < 0x80 }) else {
                let lowered = Array(String(decoding: token, as: UTF8.self).lowercased().utf8)
                return entries.first { $0.word == lowered }?.meaning
            }
            return entries.first { entry in
                entry.word.count == token.count
                    && zip(entry.word, token).allSatisfy { word, byte in word == ((0x41...0x5A).contains(byte) ? byte | 0x20 : byte) }
            }?.meaning
        }
    }

    /// The parts of a scientific name: "Hakea decurrens subsp. physocarpa W.R.Barker", "Aus (Bus) cus (Smith, 1900)",
    /// "Aus sp.", "Aus bus L. var. cus". The parts are where they are in the name's UTF-8, not Strings of their own:
    /// verify parses a million names, and making those Strings was most of the cost.
    struct ParsedName: Equatable {
        var genus: Range<Int>
        var specificEpithet: Range<Int>?
        var infraspecificEpithet: Range<Int>?
        var markerRank: String?
        var indeterminate = false
    }

    static func parseName(_ name: String) -> ParsedName? {
        var name = name
        // Read as bytes: names are mostly ASCII, and Character properties cost more than the rest of the checks.
        return name.withUTF8 { bytes -> ParsedName? in
            /// The word (a run of bytes between spaces or tabs) that starts at or after `position`.
            func word(from position: Int) -> Range<Int>? {
                var start = position
                while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
                guard start < bytes.count else { return nil }
                var end = start + 1
                while end < bytes.count, bytes[end] != 0x20, bytes[end] != 0x09 { end += 1 }
                return start..<end
            }
            func token(_ t: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[t]) }
            func all(_ t: Range<Int>, _ test: (UInt8) -> Bool) -> Bool {
                for i in t where !test(bytes[i]) { return false }
                return true
            }
            /// Qualifiers and rank markers are short words, or abbreviations ending in "."; authorship ("Cole,",
            /// "1949", "(Barnes,") is rejected before any lower-casing.
            func mayBeMarker(_ t: Range<Int>) -> Bool {
                guard t.count <= 8 else { return false }
                let f = bytes[t.lowerBound], l = bytes[t.upperBound - 1]
                return (f >= 0x41 || f == 0x3F) && l != 0x2C && l != 0x29
            }
            func isQualifier(_ t: Range<Int>) -> Bool { mayBeMarker(t) && qualifiers.meaning(ofLowercased: token(t)) != nil }
            func marker(_ t: Range<Int>) -> String? { mayBeMarker(t) ? rankMarkers.meaning(ofLowercased: token(t)) : nil }
            func isGenus(_ t: Range<Int>) -> Bool {
                let f = bytes[t.lowerBound]
                guard (0x41...0x5A).contains(f) || f >= 0x80 else { return false }
                return all(t) { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D || $0 >= 0x80 }
            }
            func isEpithet(_ t: Range<Int>) -> Bool {
                guard (0x61...0x7A).contains(bytes[t.lowerBound]) else { return false }
                guard all(t, { (0x61...0x7A).contains($0) || $0 == 0x2D || $0 >= 0x80 }) else { return false }
                return !(t.count <= 5 && authorParticles.meaning(of: token(t)) != nil)
            }
            // The word being read; nil past the last.
            var current = word(from: 0)
            func advance() { current = current.flatMap { word(from: $0.upperBound) } }
            func skipQualifiers() { while let t = current, isQualifier(t) { advance() } }
            skipQualifiers()
            guard let genus = current, isGenus(genus) else { return nil }
            var parsed = ParsedName(genus: genus)
            advance()
            if let t = current, t.count > 2, bytes[t.lowerBound] == 0x28, bytes[t.upperBound - 1] == 0x29,
                (0x41...0x5A).contains(bytes[t.lowerBound + 1]), all(t, { $0 != 0x2C })
            {
                advance()  // subgenus
            }
            skipQualifiers()
            guard let species = current else { return parsed }
            if species.count <= 10, indeterminate.meaning(ofLowercased: token(species)) != nil {
                parsed.indeterminate = true
                return parsed
            }
            guard isEpithet(species) else { return parsed }
            parsed.specificEpithet = species
            advance()
            skipQualifiers()
            if let t = current, isEpithet(t), marker(t) == nil {
                parsed.infraspecificEpithet = t  // a trinomial without a marker
                return parsed
            }
            // A rank marker may come after the species' authorship: "Aus bus L. var. cus".
            while let t = current {
                advance()
                if let rank = marker(t) {
                    parsed.markerRank = rank
                    skipQualifiers()
                    if let t = current, isEpithet(t) { parsed.infraspecificEpithet = t }
                    return parsed
                }
            }
            return parsed
        }
    }

    private static let authorParticles = Vocabulary([
        "de", "van", "von", "der", "den", "du", "da", "del", "della", "di", "la", "le", "ex", "et", "in", "and", "y", "zu", "ter",
    ])

    /// TAXON_RANK_INCONSISTENT: taxonRank against the shape of scientificName (one word, two, three, "sp."), and
    /// genericName, specificEpithet and infraspecificEpithet against the words of scientificName.
    static func taxonRank(_ fields: RecordTerms, into found: inout QualityFindings) {
        guard let nameText = value(fields, .scientificName), let parsed = parseName(nameText) else { return }
        if let rankText = value(fields, .taxonRank) {
            let rank = rankText.lowercased()
            var problem: String? = nil, suggestion: String? = nil
            if rank == "species" {
                if parsed.specificEpithet == nil {
                    problem = "names no species"
                    suggestion = "genus"
                } else if parsed.infraspecificEpithet != nil {
                    problem = "names a taxon below species"
                    suggestion = parsed.markerRank ?? "subspecies"
                }
            } else if supraspecificRanks.contains(rank), parsed.specificEpithet != nil {
                problem = "names a species or a taxon below it"
                suggestion = parsed.infraspecificEpithet != nil ? (parsed.markerRank ?? "subspecies") : "species"
            } else if infraspecificRanks.contains(rank), parsed.infraspecificEpithet == nil {
                problem = "names no taxon below species"
                suggestion = parsed.specificEpithet != nil ? "species" : "genus"
            }
            if let problem {
                var changes: [String: String?] = [:]
                if let suggestion { changes["taxonRank"] = suggestion }
                found.add(
                    code: .taxonRankInconsistent, severity: .warning, terms: ["taxonRank", "scientificName"],
                    message: "taxonRank is \(quoted(rankText)) but scientificName \(quoted(nameText)) \(problem).",
                    suggestedChanges: changes)
            }
        }
        var name = nameText
        func compare(_ term: RecordTerms.Term, _ range: Range<Int>?) {
            guard var given = value(fields, term) else { return }
            // Nearly always the same bytes: a String of the part is made only when they differ.
            if let range, given.withUTF8({ given in name.withUTF8 { given.elementsEqual($0[range]) } }) { return }
            let part = range.map { range in name.withUTF8 { String(decoding: $0[range], as: UTF8.self) } }
            guard given != part, given.lowercased() != part?.lowercased() else { return }
            found.add(
                code: .taxonRankInconsistent, severity: .warning, terms: ["scientificName", term.name],
                message: "\(term.name) is \(quoted(given)) but scientificName \(quoted(nameText)) \(part.map { "has \(quoted($0)) there" } ?? "has none").")
        }
        compare(.genericName, parsed.genus)
        compare(.specificEpithet, parsed.specificEpithet)
        compare(.infraspecificEpithet, parsed.infraspecificEpithet)
    }

    // MARK: Reading values

    /// The value of a term, without surrounding spaces; nil when absent or blank.
    @inline(__always)
    static func value(_ fields: RecordTerms, _ term: RecordTerms.Term) -> String? {
        guard var raw = fields[term] else { return nil }
        // Its first and last bytes, read in place (`utf8.last` walks an index back): nearly every value has nothing to trim.
        let (isEmpty, untrimmed) = raw.withUTF8 { ($0.isEmpty, !$0.isEmpty && $0[0] > 0x20 && $0[$0.count - 1] > 0x20) }
        if isEmpty { return nil }
        if untrimmed { return raw }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A plain decimal number: optional sign, digits, optional fraction. No exponents, hex, "inf" or "nan". The same
    /// Double as `Double(text)`.
    public static func decimal(_ text: String) -> Double? {
        var text = text
        let number: (mantissa: UInt64, digits: Int, decimals: Int, negative: Bool)? = text.withUTF8 { bytes in
            var mantissa: UInt64 = 0, digits = 0, decimals = 0, dots = 0, negative = false
            for (index, b) in bytes.enumerated() {
                if b >= 0x30, b <= 0x39 {
                    digits += 1
                    decimals += dots
                    mantissa = mantissa &* 10 &+ UInt64(b - 0x30)
                } else if b == 0x2E {
                    dots += 1
                } else if index == 0, b == 0x2D || b == 0x2B {
                    negative = b == 0x2D
                } else {
                    return nil
                }
            }
            return digits > 0 && dots <= 1 ? (mantissa, digits, decimals, negative) : nil
        }
        guard let number else { return nil }
        // Clinger's fast path: up to 15 digits, the number and the power of ten are exact as Doubles, and one division
        // rounds as strtod does. Coordinates are read so a million times in a verify, and strtod cost more.
        guard number.digits <= 15 else { return Double(text) }
        let magnitude = Double(number.mantissa) / powersOfTen[number.decimals]
        return number.negative ? -magnitude : magnitude
    }

    private static let powersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]

    /// A whole number, optionally signed.
    static func integer(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 10 else { return nil }
        return Int(text)
    }

    /// "41.0554 N" → "41.0554", "121.0534 W" → "-121.0534".
    static func signedFromHemisphere(_ text: String, positive: String, negative: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let last = trimmed.last else { return nil }
        let letter = String(last).uppercased()
        guard letter == positive || letter == negative else { return nil }
        let number = trimmed.dropLast().trimmingCharacters(in: .whitespaces)
        guard let value = decimal(number), value >= 0, !number.hasPrefix("-"), !number.hasPrefix("+") else { return nil }
        return letter == negative ? "-" + number : number
    }

    static func negated(_ text: String) -> String {
        if text.hasPrefix("-") { return String(text.dropFirst()) }
        if text.hasPrefix("+") { return "-" + text.dropFirst() }
        return "-" + text
    }

    static func quoted(_ text: String) -> String { "\"\(text)\"" }
}
