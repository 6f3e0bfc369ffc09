import EmendCore
import Testing

@Suite struct ModerationQualityTests {
    @Test func aProposalSaysWhichFlagsItClearsAndWhichItRaises() {
        // Given a record at 0,0 in the United Kingdom
        let fields = [
            "country": "United Kingdom", "countryCode": "GB", "decimalLatitude": "0", "decimalLongitude": "0",
            "basisOfRecord": "PreservedSpecimen",
        ]
        // When one proposal moves it to London and another to a latitude out of range
        let london = Moderation.qualityEffect(
            of: [TermChange(term: "decimalLatitude", from: "0", to: "51.5"), TermChange(term: "decimalLongitude", from: "0", to: "-0.12")],
            on: fields, now: 1_764_547_200_000)
        let wrong = Moderation.qualityEffect(
            of: [TermChange(term: "decimalLatitude", from: "0", to: "151.5")], on: fields, now: 1_764_547_200_000)
        // Then the first fixes ZERO_COORDINATE and raises nothing, and the second raises COORDINATE_OUT_OF_RANGE
        #expect(london.fixes.map(\.code).contains(.zeroCoordinate) && london.raises.isEmpty)
        #expect(wrong.raises.map(\.code).contains(.coordinateOutOfRange))
    }
}
