import EmendCore
import Testing

@Suite struct QualityChecksTests {
    /// 2026-12-01T00:00:00Z.
    let now: Int64 = 1_796_083_200_000

    func codes(_ fields: RecordTerms) -> [QualityCode] {
        QualityChecks.check(fields, now: now).map(\.code)
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
        let brazilFlags = QualityChecks.coordinates(brazil), statesFlags = QualityChecks.coordinates(states)

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
        let farFlags = QualityChecks.coordinates(far)

        // Then only the first is flagged, naming the country it is in
        #expect(farFlags.map(\.code) == [.countryCoordinateMismatch])
        #expect(farFlags[0].message.contains("Kenya") && farFlags[0].message.contains("Pakistan"))
        #expect(QualityChecks.coordinates(border).isEmpty)
        #expect(QualityChecks.coordinates(offshore).isEmpty)
    }

    @Test func invalidCoordinatesNameTheValue() {
        // Given coordinates written with hemispheres
        let flags = QualityChecks.coordinates(["decimalLatitude": "41.0554 N", "decimalLongitude": "121.0534 W"])

        // Then both are invalid, and the fix writes them as signed decimals
        #expect(flags.map(\.code) == [.coordinateInvalid, .coordinateInvalid])
        #expect(flags[0].message.contains("41.0554 N"))
        #expect(flags[1].suggestedChanges == ["decimalLongitude": "-121.0534"])
    }

    @Test func countryCodesAndNames() {
        // Given an alpha-3 code, an unknown name, and a name and code that disagree
        let alpha3 = QualityChecks.country(["countryCode": "GRL"])
        let unknown = QualityChecks.country(["country": "Tasmania", "countryCode": "AU"])
        let mismatch = QualityChecks.country([
            "country": "Kenya", "countryCode": "TZ", "decimalLatitude": "-1.29", "decimalLongitude": "36.82",
        ])

        // Then each is flagged with the fix it implies
        #expect(alpha3.map(\.code) == [.countryInvalid])
        #expect(alpha3[0].severity == .error && alpha3[0].suggestedChanges == ["countryCode": "GL"])
        #expect(unknown.map(\.code) == [.countryInvalid])
        #expect(unknown[0].severity == .warning && unknown[0].suggestedChanges == ["country": "Australia"])
        #expect(mismatch.map(\.code) == [.countryMismatch])
        #expect(mismatch[0].suggestedChanges == ["countryCode": "KE"])
        // Names in other spellings and scripts are known
        #expect(QualityChecks.country(["country": "México", "countryCode": "MX"]).isEmpty)
        #expect(QualityChecks.country(["country": "Côte d'Ivoire", "countryCode": "CI"]).isEmpty)
        #expect(QualityChecks.country(["country": "Russia", "countryCode": "RU"]).isEmpty)
    }

    @Test func datesTakeNowAsAParameter() {
        // Given a date in 2027
        let fields: RecordTerms = ["eventDate": "2027-03-01", "year": "2027"]

        // When it is checked a year apart
        let before = QualityChecks.dates(fields, now: now)
        let after = QualityChecks.dates(fields, now: now + 365 * 86_400_000)

        // Then it is in the future only before it happened
        #expect(before.map(\.code) == [.recordedDateUnlikely, .recordedDateUnlikely])
        #expect(before.allSatisfy { $0.severity == .error })
        #expect(after.isEmpty)
    }

    @Test func datesThatDisagreeOrAreNotDates() {
        // Given an eventDate that disagrees with day, and one that is not ISO 8601
        let mismatch = QualityChecks.dates(["eventDate": "1949-09-16", "year": "1949", "month": "9", "day": "15"], now: now)
        let invalid = QualityChecks.dates(["eventDate": "16/09/1949", "day": "30", "month": "2"], now: now)

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
        let spaced = QualityChecks.basisOfRecord(["basisOfRecord": "preserved specimen"])

        // Then a misspelt basisOfRecord gets its standard form, and type statuses are read by their first word
        #expect(spaced.map(\.code) == [.basisOfRecordInvalid])
        #expect(spaced[0].suggestedChanges == ["basisOfRecord": "PreservedSpecimen"])
        #expect(QualityChecks.basisOfRecord(["basisOfRecord": "FossilSpecimen"]).isEmpty)
        #expect(QualityChecks.typeStatus(["typeStatus": "Holotype of Aus bus | paratypes"]).isEmpty)
        #expect(QualityChecks.typeStatus(["typeStatus": "cleptotype"]).map(\.code) == [.typeStatusInvalid])
    }

    @Test func depthsAndElevations() {
        // Given a depth range written the wrong way round and an elevation above Everest
        let depth = QualityChecks.depth(["minimumDepthInMeters": "100", "maximumDepthInMeters": "50"])
        let elevation = QualityChecks.elevation(["minimumElevationInMeters": "9000"])

        // Then the depths are flagged with the exchange as the fix, and the elevation is flagged
        #expect(depth.map(\.code) == [.depthUnlikely])
        #expect(depth[0].suggestedChanges == ["minimumDepthInMeters": "50", "maximumDepthInMeters": "100"])
        #expect(elevation.map(\.code) == [.elevationUnlikely])
        #expect(QualityChecks.coordinateUncertainty(["coordinateUncertaintyInMeters": "0"]).map(\.code)
            == [.coordinateUncertaintyMetersInvalid])
    }

    @Test func taxonRankAgainstTheShapeOfTheName() {
        // Given names whose rank or epithets do not fit
        let genusOnly = QualityChecks.taxonRank(["scientificName": "Megacrisella sp.", "taxonRank": "species"])
        let binomial = QualityChecks.taxonRank(["scientificName": "Aus bus L.", "taxonRank": "genus"])
        let epithet = QualityChecks.taxonRank(["scientificName": "Hakea decurrens", "specificEpithet": "physocarpa"])

        // Then each is inconsistent, with a rank to suggest where the name shows one
        #expect(genusOnly.map(\.code) == [.taxonRankInconsistent])
        #expect(genusOnly[0].suggestedChanges == ["taxonRank": "genus"])
        #expect(binomial[0].suggestedChanges == ["taxonRank": "species"])
        #expect(epithet[0].terms == ["scientificName", "specificEpithet"])
        // And names that fit are not flagged
        #expect(QualityChecks.taxonRank(["scientificName": "Megacrisella sp.", "taxonRank": "genus"]).isEmpty)
        #expect(QualityChecks.taxonRank([
            "scientificName": "Aus bus L. var. cus", "taxonRank": "variety", "infraspecificEpithet": "cus",
        ]).isEmpty)
        #expect(QualityChecks.taxonRank(["scientificName": "Aus (Bus) cus (Smith, 1900)", "taxonRank": "species",
                                         "specificEpithet": "cus"]).isEmpty)
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
}
