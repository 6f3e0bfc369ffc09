import EmendCore
import Foundation
import GRDB
import Testing

@testable import EmendStore

/// Verify reads a RecordImported event's data in one pass when it is canonical; the row must be the one the
/// general reading gives, and anything else must be left to that reading.
@Suite struct CanonicalImportedTests {
    /// The one-pass reading into storage that held another record's terms before, as verify reuses it, and the
    /// general reading.
    func rows(_ data: [UInt8]) throws -> (canonical: RecordRow?, general: RecordRow?) {
        var terms = RecordTerms()
        let earlier = Array(
            #"{"dataset":"d","fields":{"basisOfRecord":"FossilSpecimen","country":"Chile","family":"Apidae","kingdom":"Plantae","phylum":"Chordata","scientificName":"Cus dus","year":"1800"}}"#.utf8)
        _ = earlier.withUnsafeBufferPointer { RecordRow.canonicalImported(id: "r0", seq: 6, streamVersion: 1, recordedAt: 0, data: $0, terms: &terms) }
        return try data.withUnsafeBufferPointer { data in
            (RecordRow.canonicalImported(id: "r1", seq: 7, streamVersion: 1, recordedAt: 1_796_083_200_000, data: data, terms: &terms),
             try RecordRow.imported(id: "r1", seq: 7, streamVersion: 1, recordedAt: 1_796_083_200_000, data: data))
        }
    }

    @Test(arguments: [
        #"{"dataset":"d","fields":{"basisOfRecord":"PreservedSpecimen","country":"Kenya","countryCode":"PK","decimalLatitude":"-1.29","decimalLongitude":"36.82","year":"1926"}}"#,
        #"{"dataset":"d","fields":{"class":"Insecta","family":"Apidae","institutionCode":"NHMUK","kingdom":"Animalia","phylum":"Arthropoda","taxonRank":"species","zzz":"last"}}"#,
        #"{"dataset":"d","fields":{"country":"México","countryCode":"MX","decimalLatitude":"19.4","decimalLongitude":"-99.1","scientificName":"Aus bus Müller, 1900"}}"#,
        #"{"dataset":"d","fields":{"locality":"Ålesund, a long name with more than eight bytes","scientificName":"Hakea decurrens subsp. physocarpa W.R.Barker"}}"#,
        #"{"dataset":"d","fields":{}}"#,
    ])
    func canonicalDataReadsAsTheGeneralReadingReadsIt(json: String) throws {
        // Given canonical data, When it is read both ways, Then the rows are the same, and so are the terms the counts
        // read beyond the row's columns (kingdom, phylum, basis of record)
        let (canonical, general) = try rows(Array(json.utf8))
        #expect(canonical != nil)
        #expect(canonical?.values == general?.values)
        #expect(canonical?.terms == general?.terms)
    }

    @Test(arguments: [
        Array(#"{"dataset":"d","fields":{"country":"M\u00e9xico"}}"#.utf8),
        Array(#"{"dataset":"d","fields":{"year":"1926","country":"Kenya"}}"#.utf8),
        Array(#"{"dataset":"d", "fields":{}}"#.utf8),
        Array(#"{"dataset":"d","fields":{"country":"Ken"#.utf8) + [0xFF] + Array(#"ya"}}"#.utf8),
        Array(#"{"dataset":"d","fields":{"locality":"abcdefgh"#.utf8) + [0xC3, 0x28] + Array(#"ijklmnop"}}"#.utf8),
    ])
    func anythingElseIsLeftToTheGeneralReading(data: [UInt8]) throws {
        // Given data with an escape, keys out of order, a space, or bytes that are not UTF-8
        // When it is read in one pass, Then that reading declines it
        var terms = RecordTerms()
        #expect(data.withUnsafeBufferPointer { RecordRow.canonicalImported(id: "r1", seq: 7, streamVersion: 1, recordedAt: 0, data: $0, terms: &terms) } == nil)
    }
}
