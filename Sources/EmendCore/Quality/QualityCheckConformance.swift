/// A TDWG BDQ (Biodiversity Data Quality, TG2) validation's answer for one record.
public enum BDQResponse: String, Sendable, Hashable {
    case compliant = "COMPLIANT"
    case notCompliant = "NOT_COMPLIANT"
    case internalPrerequisitesNotMet = "INTERNAL_PREREQUISITES_NOT_MET"
}

/// The BDQ validations Emend's quality checks correspond to, answered from the checks' flags. Each test decides its
/// own prerequisites (which terms must be present and readable, as its specification says); whether the record
/// complies is whether `QualityChecks` raised the corresponding flag. This is how the checks are held to the BDQ
/// validation data (`Tests/Fixtures/bdq/`).
public enum QualityCheckConformance {
    public struct Test: Sendable, Hashable {
        /// The label in TG2_test_validation_data.csv, e.g. `VALIDATION_COORDINATES_ZERO`.
        public let label: String
        /// The test's term id (the `GUID` column), e.g. `1bf0e210-6792-4128-b8cc-ab6828aa4871`.
        public let guid: String
        /// The flag codes the answer is read from.
        public let codes: [QualityCode]
    }

    public static let tests: [Test] = [
        Test(label: "VALIDATION_COORDINATES_ZERO", guid: "1bf0e210-6792-4128-b8cc-ab6828aa4871", codes: [.zeroCoordinate]),
        Test(label: "VALIDATION_DECIMALLATITUDE_INRANGE", guid: "b6ecda2a-ce36-437a-b515-3ae94948fe83", codes: [.coordinateOutOfRange]),
        Test(label: "VALIDATION_DECIMALLONGITUDE_INRANGE", guid: "0949110d-c06b-450e-9649-7c1374d940d1", codes: [.coordinateOutOfRange]),
        Test(
            label: "VALIDATION_COORDINATES_COUNTRYCODE_CONSISTENT", guid: "adb27d29-9f0d-4d52-b760-a77ba57a69c9",
            codes: [.countryCoordinateMismatch, .presumedSwappedCoordinate, .presumedNegatedLatitude, .presumedNegatedLongitude, .zeroCoordinate]),
        Test(label: "VALIDATION_COUNTRYCODE_STANDARD", guid: "0493bcfb-652e-4d17-815b-b0cce0742fbe", codes: [.countryInvalid]),
        Test(label: "VALIDATION_COUNTRY_FOUND", guid: "69b2efdc-6269-45a4-aecb-4cb99c2ae134", codes: [.countryInvalid]),
        Test(label: "VALIDATION_COUNTRY_COUNTRYCODE_CONSISTENT", guid: "b23110e7-1be7-444a-a677-cdee0cf4330c", codes: [.countryMismatch, .countryInvalid]),
        Test(label: "VALIDATION_EVENTDATE_STANDARD", guid: "4f2bf8fd-fc5c-493f-a44c-e7b16153c803", codes: [.recordedDateInvalid]),
        Test(label: "VALIDATION_EVENTDATE_INRANGE", guid: "3cff4dc4-72e9-4abe-9bf3-8a30f1618432", codes: [.recordedDateUnlikely]),
        Test(label: "VALIDATION_EVENTDATE_CONSISTENT", guid: "5618f083-d55a-4ac2-92b5-b9fb227b832f", codes: [.recordedDateMismatch]),
        Test(label: "VALIDATION_YEAR_INRANGE", guid: "ad0c8855-de69-4843-a80c-a5387d20fbc8", codes: [.recordedDateUnlikely]),
        Test(label: "VALIDATION_MONTH_STANDARD", guid: "01c6dafa-0886-4b7e-9881-2c3018c98bdc", codes: [.recordedDateInvalid]),
        Test(label: "VALIDATION_DAY_STANDARD", guid: "47ff73ba-0028-4f79-9ce1-ee7008d66498", codes: [.recordedDateInvalid]),
        Test(label: "VALIDATION_DAY_INRANGE", guid: "8d787cb5-73e2-4c39-9cd1-67c7361dc02e", codes: [.recordedDateInvalid]),
        Test(label: "VALIDATION_BASISOFRECORD_STANDARD", guid: "42408a00-bf71-4892-a399-4325e2bc1fb8", codes: [.basisOfRecordInvalid]),
        Test(label: "VALIDATION_TYPESTATUS_STANDARD", guid: "4833a522-12eb-4fe0-b4cf-7f7a337a6048", codes: [.typeStatusInvalid]),
        Test(
            label: "VALIDATION_COORDINATEUNCERTAINTY_INRANGE", guid: "c6adf2ea-3051-4498-97f4-4b2f8a105f57",
            codes: [.coordinateUncertaintyMetersInvalid]),
        Test(label: "VALIDATION_MINDEPTH_INRANGE", guid: "04b2c8f3-c71b-4e95-8e43-f70374c5fb92", codes: [.depthUnlikely]),
        Test(label: "VALIDATION_MAXDEPTH_INRANGE", guid: "3f1db29a-bfa5-40db-9fd1-fde020d81939", codes: [.depthUnlikely]),
        Test(label: "VALIDATION_MINDEPTH_LESSTHAN_MAXDEPTH", guid: "8f1e6e58-544b-4365-a569-fb781341644e", codes: [.depthUnlikely]),
        Test(label: "VALIDATION_MINELEVATION_INRANGE", guid: "0bb8297d-8f8a-42d2-80c1-558f29efe798", codes: [.elevationUnlikely]),
        Test(label: "VALIDATION_MAXELEVATION_INRANGE", guid: "c971fe3f-84c1-4636-9f44-b1ec31fd63c7", codes: [.elevationUnlikely]),
        Test(
            label: "VALIDATION_MINELEVATION_LESSTHAN_MAXELEVATION", guid: "d708526b-6561-438e-aa1a-82cd80b06396",
            codes: [.elevationUnlikely]),
        Test(label: "VALIDATION_POLYNOMIAL_CONSISTENT", guid: "17f03f1f-f74d-40c0-8071-2927cfc9487b", codes: [.taxonRankInconsistent]),
    ]

    public static func test(guid: String) -> Test? { tests.first { $0.guid == guid } }

    /// The answer of the test with this GUID for a record, or nil for a test not implemented here.
    public static func response(guid: String, fields: [String: String], now: Int64) -> BDQResponse? {
        guard let test = test(guid: guid) else { return nil }
        let terms = RecordTerms(fields)
        let flags = QualityChecks.check(terms, now: now).filter { test.codes.contains($0.code) }
        func v(_ term: RecordTerms.Term) -> String? { QualityChecks.value(terms, term) }
        func number(_ term: RecordTerms.Term) -> Double? { v(term).flatMap(QualityChecks.decimal) }
        func int(_ term: RecordTerms.Term) -> Int? { v(term).flatMap(QualityChecks.integer) }
        func flagged(_ terms: [String]) -> BDQResponse { flags.contains { $0.terms == terms } ? .notCompliant : .compliant }
        func flagged(touching term: String) -> BDQResponse { flags.contains { $0.terms.contains(term) } ? .notCompliant : .compliant }
        func any() -> BDQResponse { flags.isEmpty ? .compliant : .notCompliant }
        let unmet = BDQResponse.internalPrerequisitesNotMet

        switch test.label {
        case "VALIDATION_COORDINATES_ZERO":
            guard number(.decimalLatitude) != nil, number(.decimalLongitude) != nil else { return unmet }
            return any()
        case "VALIDATION_DECIMALLATITUDE_INRANGE":
            guard number(.decimalLatitude) != nil else { return unmet }
            return flagged(touching: "decimalLatitude")
        case "VALIDATION_DECIMALLONGITUDE_INRANGE":
            guard number(.decimalLongitude) != nil else { return unmet }
            return flagged(touching: "decimalLongitude")
        case "VALIDATION_COORDINATES_COUNTRYCODE_CONSISTENT":
            guard let lat = number(.decimalLatitude), let lon = number(.decimalLongitude), abs(lat) <= 90, abs(lon) <= 180,
                let code = v(.countryCode), CountryAtlas.shared.knows(code: code)
            else { return unmet }
            return any()
        case "VALIDATION_COUNTRYCODE_STANDARD":
            guard v(.countryCode) != nil else { return unmet }
            return flagged(["countryCode"])
        case "VALIDATION_COUNTRY_FOUND":
            guard v(.country) != nil else { return unmet }
            return flagged(["country"])
        case "VALIDATION_COUNTRY_COUNTRYCODE_CONSISTENT":
            guard v(.country) != nil, v(.countryCode) != nil else { return unmet }
            return any()
        case "VALIDATION_EVENTDATE_STANDARD":
            guard v(.eventDate) != nil else { return unmet }
            return flagged(["eventDate"])
        case "VALIDATION_EVENTDATE_INRANGE":
            guard let text = v(.eventDate), EventDateInterval.parse(text) != nil else { return unmet }
            return flagged(["eventDate"])
        case "VALIDATION_EVENTDATE_CONSISTENT":
            guard let text = v(.eventDate), EventDateInterval.parse(text) != nil,
                [RecordTerms.Term.year, .month, .day, .startDayOfYear, .endDayOfYear].contains(where: { v($0) != nil })
            else { return unmet }
            return any()
        case "VALIDATION_YEAR_INRANGE":
            guard int(.year) != nil else { return unmet }
            return flagged(["year"])
        case "VALIDATION_MONTH_STANDARD":
            guard v(.month) != nil else { return unmet }
            return flagged(["month"])
        case "VALIDATION_DAY_STANDARD":
            guard v(.day) != nil else { return unmet }
            return flagged(["day"])
        case "VALIDATION_DAY_INRANGE":
            guard let day = int(.day) else { return unmet }
            let month = int(.month)
            if (29...31).contains(day), !(1...12).contains(month ?? 0) { return unmet }
            if month == 2, day == 29, int(.year) == nil { return unmet }
            return flagged(touching: "day")
        case "VALIDATION_BASISOFRECORD_STANDARD":
            guard v(.basisOfRecord) != nil else { return unmet }
            return any()
        case "VALIDATION_TYPESTATUS_STANDARD":
            guard v(.typeStatus) != nil else { return unmet }
            return any()
        case "VALIDATION_COORDINATEUNCERTAINTY_INRANGE":
            guard number(.coordinateUncertaintyInMeters) != nil else { return unmet }
            return any()
        case "VALIDATION_MINDEPTH_INRANGE", "VALIDATION_MAXDEPTH_INRANGE":
            let term: RecordTerms.Term = test.label == "VALIDATION_MINDEPTH_INRANGE" ? .minimumDepthInMeters : .maximumDepthInMeters
            guard let depth = number(term), depth >= 0 else { return unmet }
            return flagged([term.name])
        case "VALIDATION_MINDEPTH_LESSTHAN_MAXDEPTH":
            guard let low = number(.minimumDepthInMeters), let high = number(.maximumDepthInMeters), low >= 0, high >= 0
            else { return unmet }
            return flagged(["minimumDepthInMeters", "maximumDepthInMeters"])
        case "VALIDATION_MINELEVATION_INRANGE", "VALIDATION_MAXELEVATION_INRANGE":
            let term: RecordTerms.Term = test.label == "VALIDATION_MINELEVATION_INRANGE" ? .minimumElevationInMeters : .maximumElevationInMeters
            guard number(term) != nil else { return unmet }
            return flagged([term.name])
        case "VALIDATION_MINELEVATION_LESSTHAN_MAXELEVATION":
            guard number(.minimumElevationInMeters) != nil, number(.maximumElevationInMeters) != nil else { return unmet }
            return flagged(["minimumElevationInMeters", "maximumElevationInMeters"])
        case "VALIDATION_POLYNOMIAL_CONSISTENT":
            let parts: [RecordTerms.Term] = [.genericName, .specificEpithet, .infraspecificEpithet]
            guard v(.scientificName) != nil, parts.contains(where: { v($0) != nil }) else { return unmet }
            return flags.contains { !Set($0.terms).isDisjoint(with: parts.map(\.name)) } ? .notCompliant : .compliant
        default:
            return nil
        }
    }
}
