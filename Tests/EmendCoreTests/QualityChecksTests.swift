@testable import EmendCore
import Testing

@Suite struct QualityChecksTests {
    /// 2026-12-01T00:00:00Z.
    let now: Int64 = 1_796_083_200_000

    func codes(_ fields: RecordTerms) -> [QualityCode] {
        QualityChecks.check(fields, now: now).map(\.code)
    }

    /// The flags one check finds in `fields`, whole.
    func flags(_ fields: RecordTerms, _ check: (RecordTerms, inout QualityFindings) -> Void) -> [QualityFlag] {
        var found = QualityFindings(codesOnly: false)
        check(fields, &found)
        return found.flags
    }

    @Test func aSoundRecordHasNoFlags() {
        // Given a specimen record with nothing wrong in it
        let fields: RecordTerms = [
            "basisOfRecord": "PreservedSpecimen", "scientificName": "Aethiorhiza arenaria (Barnes, 1805)",
            "taxonRank": "species", "specificEpithet": "arenaria", "country": "United Kingdom", "countryCode": "GB",
            "decimalLatitude": "54.45", "decimalLongitude": "-2.27", "coordinateUncertaintyInMeters": "100",
            "eventDate": "1906-10-07", "year": "1906", "month": "10", "day": "7", "typeStatus": "Holotype",
        ]

        // When it is checked
        let flags = QualityChecks.check(fields, now: now)

        // Then nothing is flagged
        #expect(flags.isEmpty, "\(flags)")
    }

    @Test func swappedCoordinatesAreFoundAndTheFixExchangesTheValues() {
        // Given a record in Australia whose latitude and longitude were exchanged
        let fields: RecordTerms = ["countryCode": "AU", "country": "Australia", "decimalLatitude": "133.5", "decimalLongitude": "-25.25"]

        // When it is checked
        let flags = QualityChecks.check(fields, now: now)

        // Then it is out of range and presumed swapped, with the values exchanged as the suggestion
        #expect(flags.map(\.code) == [.coordinateOutOfRange, .presumedSwappedCoordinate])
        let swapped = flags[1]
        #expect(swapped.severity == .warning)
        #expect(swapped.suggestedChanges == ["decimalLatitude": "-25.25", "decimalLongitude": "133.5"])
        #expect(swapped.message.contains("133.5") && swapped.message.contains("Australia"))
    }

    @Test func negatedCoordinatesAreFound() {
        // Given a point in Brazil with the latitude's sign lost, and one in the United States with the longitude's
        let brazil: RecordTerms = ["countryCode": "BR", "decimalLatitude": "10.5", "decimalLongitude": "-50.0"]
        let states: RecordTerms = ["countryCode": "US", "decimalLatitude": "40.0", "decimalLongitude": "100.0"]

        // When they are checked
        let brazilFlags = flags(brazil, QualityChecks.coordinates), statesFlags = flags(states, QualityChecks.coordinates)

        // Then each is presumed negated, and the fix changes the sign
        #expect(brazilFlags.map(\.code) == [.presumedNegatedLatitude])
        #expect(brazilFlags.first?.suggestedChanges == ["decimalLatitude": "-10.5"])
        #expect(statesFlags.map(\.code) == [.presumedNegatedLongitude])
        #expect(statesFlags.first?.suggestedChanges == ["decimalLongitude": "-100.0"])
    }

    @Test func zeroCoordinatesSuggestRemovingThem() {
        // Given (0, 0) on a record from Kenya
        let flags = QualityChecks.check(["countryCode": "KE", "decimalLatitude": "0.0", "decimalLongitude": "0"], now: now)

        // Then only ZERO_COORDINATE is flagged (not also a country mismatch), and the fix removes both
        #expect(flags.map(\.code) == [.zeroCoordinate])
        let removeBoth: [String: String?] = ["decimalLatitude": nil, "decimalLongitude": nil]
        #expect(flags[0].suggestedChanges == removeBoth)
    }

    @Test func aPointInAnotherCountryIsAMismatchButOneNearTheBorderOrCoastIsNot() {
        // Given a Pakistani record placed in Kenya, one 5 km across the Chile–Argentina border, and one off the UK coast
        let far: RecordTerms = ["countryCode": "PK", "decimalLatitude": "-1.29", "decimalLongitude": "36.82"]
        let border: RecordTerms = ["countryCode": "CL", "decimalLatitude": "-41.05", "decimalLongitude": "-71.85"]
        let offshore: RecordTerms = ["countryCode": "GB", "decimalLatitude": "50.45", "decimalLongitude": "-4.2"]

        // When they are checked
        let farFlags = flags(far, QualityChecks.coordinates)

        // Then only the first is flagged, naming the country it is in
        #expect(farFlags.map(\.code) == [.countryCoordinateMismatch])
        #expect(farFlags[0].message.contains("Kenya") && farFlags[0].message.contains("Pakistan"))
        #expect(flags(border, QualityChecks.coordinates).isEmpty)
        #expect(flags(offshore, QualityChecks.coordinates).isEmpty)
    }

    @Test func invalidCoordinatesNameTheValue() {
        // Given coordinates written with hemispheres
        let found = flags(["decimalLatitude": "41.0554 N", "decimalLongitude": "121.0534 W"], QualityChecks.coordinates)

        // Then both are invalid, and the fix writes them as signed decimals
        #expect(found.map(\.code) == [.coordinateInvalid, .coordinateInvalid])
        #expect(found[0].message.contains("41.0554 N"))
        #expect(found[1].suggestedChanges == ["decimalLongitude": "-121.0534"])
    }

    @Test func countryCodesAndNames() {
        // Given an alpha-3 code, an unknown name, and a name and code that disagree
        let alpha3 = flags(["countryCode": "GRL"], QualityChecks.country)
        let unknown = flags(["country": "Tasmania", "countryCode": "AU"], QualityChecks.country)
        let mismatch = flags([
            "country": "Kenya", "countryCode": "TZ", "decimalLatitude": "-1.29", "decimalLongitude": "36.82",
        ], QualityChecks.country)

        // Then each is flagged with the fix it implies
        #expect(alpha3.map(\.code) == [.countryInvalid])
        #expect(alpha3[0].severity == .error && alpha3[0].suggestedChanges == ["countryCode": "GL"])
        #expect(unknown.map(\.code) == [.countryInvalid])
        #expect(unknown[0].severity == .warning && unknown[0].suggestedChanges == ["country": "Australia"])
        #expect(mismatch.map(\.code) == [.countryMismatch])
        #expect(mismatch[0].suggestedChanges == ["countryCode": "KE"])
        // Names in other spellings and scripts are known
        #expect(flags(["country": "México", "countryCode": "MX"], QualityChecks.country).isEmpty)
        #expect(flags(["country": "Côte d'Ivoire", "countryCode": "CI"], QualityChecks.country).isEmpty)
        #expect(flags(["country": "Russia", "countryCode": "RU"], QualityChecks.country).isEmpty)
    }

    @Test func datesTakeNowAsAParameter() {
        // Given a date in 2027
        let fields: RecordTerms = ["eventDate": "2027-03-01", "year": "2027"]

        // When it is checked a year apart
        let before = flags(fields) { QualityChecks.dates($0, now: now, into: &$1) }
        let after = flags(fields) { QualityChecks.dates($0, now: now + 365 * 86_400_000, into: &$1) }

        // Then it is in the future only before it happened
        #expect(before.map(\.code) == [.recordedDateUnlikely, .recordedDateUnlikely])
        #expect(before.allSatisfy { $0.severity == .error })
        #expect(after.isEmpty)
    }

    @Test func datesThatDisagreeOrAreNotDates() {
        // Given an eventDate that disagrees with day, and one that is not ISO 8601
        let mismatch = flags(["eventDate": "1949-09-16", "year": "1949", "month": "9", "day": "15"]) { QualityChecks.dates($0, now: now, into: &$1) }
        let invalid = flags(["eventDate": "16/09/1949", "day": "30", "month": "2"]) { QualityChecks.dates($0, now: now, into: &$1) }

        // Then they are flagged, naming the values
        #expect(mismatch.map(\.code) == [.recordedDateMismatch])
        #expect(mismatch[0].terms == ["eventDate", "day"] && mismatch[0].message.contains("15"))
        #expect(invalid.map(\.code) == [.recordedDateInvalid, .recordedDateInvalid])
        #expect(invalid[1].terms == ["day", "month"])
    }

    @Test func isoDatesAndIntervals() {
        // Given ISO 8601 forms and near misses
        let valid = ["1963", "1963-03", "1963-03-08", "1963-067", "19630308", "1963-03-08T14:07:30.5Z", "1963-03-08T14-0600",
                     "1949-01-15/20", "1949-01-15/02-03", "1981-12-30/1982-01-03"]
        let invalid = ["63", "0", "1963-3-8", "1963-02-30", "1963-03-08T4", "1963-03-08T14:67", "1949-01-20/1949-01-15",
                       "1963-13", "null"]

        // Then each is read as it should be
        for text in valid { #expect(EventDateInterval.parse(text) != nil, "\(text)") }
        for text in invalid { #expect(EventDateInterval.parse(text) == nil, "\(text)") }
        let interval = EventDateInterval.parse("1949-01-15/02-03")
        #expect(interval?.start == CivilDate(year: 1949, month: 1, day: 15))
        #expect(interval?.end == CivilDate(year: 1949, month: 2, day: 3))
        #expect(CivilDate(epochMilliseconds: now) == CivilDate(year: 2026, month: 12, day: 1))
        #expect(CivilDate(epochMilliseconds: -1) == CivilDate(year: 1969, month: 12, day: 31))
    }

    @Test func vocabularies() {
        // Given basisOfRecord and typeStatus values
        let spaced = flags(["basisOfRecord": "preserved specimen"], QualityChecks.basisOfRecord)

        // Then a misspelt basisOfRecord gets its standard form, and type statuses are read by their first word
        #expect(spaced.map(\.code) == [.basisOfRecordInvalid])
        #expect(spaced[0].suggestedChanges == ["basisOfRecord": "PreservedSpecimen"])
        #expect(flags(["basisOfRecord": "FossilSpecimen"], QualityChecks.basisOfRecord).isEmpty)
        #expect(flags(["typeStatus": "Holotype of Aus bus | paratypes"], QualityChecks.typeStatus).isEmpty)
        #expect(flags(["typeStatus": "cleptotype"], QualityChecks.typeStatus).map(\.code) == [.typeStatusInvalid])
    }

    @Test func depthsAndElevations() {
        // Given a depth range written the wrong way round and an elevation above Everest
        let depth = flags(["minimumDepthInMeters": "100", "maximumDepthInMeters": "50"], QualityChecks.depth)
        let elevation = flags(["minimumElevationInMeters": "9000"], QualityChecks.elevation)

        // Then the depths are flagged with the exchange as the fix, and the elevation is flagged
        #expect(depth.map(\.code) == [.depthUnlikely])
        #expect(depth[0].suggestedChanges == ["minimumDepthInMeters": "50", "maximumDepthInMeters": "100"])
        #expect(elevation.map(\.code) == [.elevationUnlikely])
        #expect(flags(["coordinateUncertaintyInMeters": "0"], QualityChecks.coordinateUncertainty).map(\.code)
            == [.coordinateUncertaintyMetersInvalid])
    }

    @Test func taxonRankAgainstTheShapeOfTheName() {
        // Given names whose rank or epithets do not fit
        let genusOnly = flags(["scientificName": "Megacrisella sp.", "taxonRank": "species"], QualityChecks.taxonRank)
        let binomial = flags(["scientificName": "Aus bus L.", "taxonRank": "genus"], QualityChecks.taxonRank)
        let epithet = flags(["scientificName": "Hakea decurrens", "specificEpithet": "physocarpa"], QualityChecks.taxonRank)

        // Then each is inconsistent, with a rank to suggest where the name shows one
        #expect(genusOnly.map(\.code) == [.taxonRankInconsistent])
        #expect(genusOnly[0].suggestedChanges == ["taxonRank": "genus"])
        #expect(binomial[0].suggestedChanges == ["taxonRank": "species"])
        #expect(epithet[0].terms == ["scientificName", "specificEpithet"])
        // And names that fit are not flagged
        #expect(flags(["scientificName": "Megacrisella sp.", "taxonRank": "genus"], QualityChecks.taxonRank).isEmpty)
        #expect(flags([
            "scientificName": "Aus bus L. var. cus", "taxonRank": "variety", "infraspecificEpithet": "cus",
        ], QualityChecks.taxonRank).isEmpty)
        #expect(flags(["scientificName": "Aus (Bus) cus (Smith, 1900)", "taxonRank": "species",
                                         "specificEpithet": "cus"], QualityChecks.taxonRank).isEmpty)
    }

    @Test func flagsAsJSON() {
        // Given a flag with a suggestion that removes a term
        let flag = QualityChecks.check(["decimalLatitude": "0", "decimalLongitude": "0"], now: now)[0]

        // Then its JSON carries the code, severity, terms, message and changes with null for removal
        #expect(flag.json["code"]?.stringValue == "ZERO_COORDINATE")
        #expect(flag.json["severity"]?.stringValue == "warning")
        #expect(flag.json["changes"]?["decimalLatitude"] == .null)
    }

    @Test func scoringAgainstInjectedErrors() {
        // Given two records with injected errors and one without, one of them missed
        var score = QualityScore()
        score.add(flags: QualityChecks.check(["decimalLatitude": "0", "decimalLongitude": "0"], now: now), errors: ["zero_coords"])
        score.add(flags: [], errors: ["swapped_latlon"])
        score.add(flags: QualityChecks.check(["countryCode": "PK", "decimalLatitude": "-1.29", "decimalLongitude": "36.82"],
                                             now: now), errors: [])

        // Then the counts say so
        #expect(score.counts["zero_coords"]?.truePositives == 1)
        #expect(score.counts["swapped_latlon"]?.falseNegatives == 1)
        #expect(score.counts["country_mismatch"]?.falsePositives == 1)
        #expect(score.counts["country_mismatch"]?.precision == 0)
        #expect(score.report().contains("3 records"))
    }

    @Test(arguments: [
        [:],
        ["countryCode": "BR", "decimalLatitude": "10.5", "decimalLongitude": "-50.0"],
        ["countryCode": "US", "decimalLatitude": "40.0", "decimalLongitude": "100.0"],
        ["countryCode": "AU", "decimalLatitude": "25.27", "decimalLongitude": "-133.77"],
        ["countryCode": "AU", "decimalLatitude": "133.77", "decimalLongitude": "-25.27"],
        ["countryCode": "PK", "decimalLatitude": "-1.29", "decimalLongitude": "36.82"],
        ["countryCode": "CL", "decimalLatitude": "-41.05", "decimalLongitude": "-71.85"],
        ["countryCode": "CL", "decimalLatitude": "-41.05", "decimalLongitude": "-71.0"],
        ["countryCode": "GB", "decimalLatitude": "50.45", "decimalLongitude": "-4.2"],
        ["countryCode": "GB", "decimalLatitude": "49.9", "decimalLongitude": "-6.2", "coordinateUncertaintyInMeters": "30000"],
        ["country": "Kenya", "decimalLatitude": "95", "decimalLongitude": "36.82"],
        ["decimalLatitude": "41.0554 N", "decimalLongitude": "121.0534 W"],
        ["decimalLatitude": "41.0554"],
        ["countryCode": "KE", "decimalLatitude": "0.0", "decimalLongitude": "0"],
        ["country": "Tasmania", "countryCode": "AU"],
        ["country": "France", "countryCode": "DE", "decimalLatitude": "48.85", "decimalLongitude": "2.35"],
        ["eventDate": "16/09/1949", "day": "30", "month": "2", "year": "3000"],
        ["eventDate": "1949-09-16", "year": "1949", "month": "9", "day": "15", "startDayOfYear": "12"],
        ["basisOfRecord": "preserved specimen", "typeStatus": "cleptotype", "coordinateUncertaintyInMeters": "0"],
        ["minimumDepthInMeters": "100", "maximumDepthInMeters": "50", "minimumElevationInMeters": "9000"],
        ["scientificName": "Aus bus L. var. cus", "taxonRank": "species", "genericName": "Bus", "specificEpithet": "dus"],
    ] as [RecordTerms])
    func codesAloneAreTheCodesOfTheWholeFlags(fields: RecordTerms) {
        // Given a record's fields, When only the codes are asked for, Then they are those of the flags made whole
        #expect(QualityChecks.codes(fields, now: now) == QualityChecks.check(fields, now: now).codes)
    }

    @Test func plainDecimalsReadAsDoubleReadsThem() {
        // Given plain decimals of up to 18 digits, with a sign or without, the point anywhere or nowhere
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "-0.0", "+1.5", ".5", "5.", "-51.66", "0.1", "0.3", "123456789012345", "1234567890123456"]
        for _ in 0..<20_000 {
            let digits = String((0..<Int.random(in: 1...18, using: &generator)).map { _ in "0123456789".randomElement(using: &generator)! })
            let point = Int.random(in: 0...digits.count, using: &generator)
            let sign = ["", "-", "+"].randomElement(using: &generator)!
            texts.append(sign + digits.prefix(point) + "." + digits.dropFirst(point))
        }

        // Then each reads as the same Double, bit for bit, as Double(_:) reads it
        for text in texts {
            #expect(QualityChecks.decimal(text)?.bitPattern == Double(text)?.bitPattern, "\(text)")
        }
        #expect(QualityChecks.decimal("1e5") == nil && QualityChecks.decimal("1.2.3") == nil && QualityChecks.decimal("-") == nil)
    }
}
