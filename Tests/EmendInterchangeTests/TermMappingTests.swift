import EmendCore
import Foundation
import Testing

@testable import EmendInterchange

/// How column names in a bare file's header become Darwin Core terms.
@Suite("Header names to Darwin Core terms")
struct TermMappingTests {
    @Test("legacy capitalised DwC 1.x names are mapped to the current terms and listed in replacedTerms")
    func legacyHeaders() throws {
        // Given a CSV with the old names, one row with a catalogue number and one without any key
        let folder = try ScratchFolder()
        let path = try folder.write("legacy.csv", """
            ScientificName,Collector,EarliestDateCollected,DecimalLatitude,DecimalLongitude,CatalogNumber
            Puma concolor,"Smith, J.",1998-05-04,-12.5,-70.25,MUSM 101
            Betta splendens,Ng,2001,13.7,100.5,

            """)

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then each old name is mapped and reported, none is unknown
        #expect(source.replacedTerms == [
            "ScientificName": "scientificName", "Collector": "recordedBy", "EarliestDateCollected": "eventDate",
            "DecimalLatitude": "decimalLatitude", "DecimalLongitude": "decimalLongitude", "CatalogNumber": "catalogNumber",
        ])
        #expect(source.unknownTerms.isEmpty)
        #expect(result.records.first?.fields == [
            "scientificName": "Puma concolor", "recordedBy": "Smith, J.", "eventDate": "1998-05-04",
            "decimalLatitude": "-12.5", "decimalLongitude": "-70.25", "catalogNumber": "MUSM 101",
        ])
        // and the row without a catalogue number has no key (the store skips it as missing id)
        #expect(result.records.map(\.key) == ["::MUSM 101", nil])
        #expect(result.problems.isEmpty)
    }

    @Test("dwc:, dcterms: and full IRI headers are current terms")
    func prefixedAndIRIHeaders() throws {
        // Given a CSV naming its columns by prefix and by IRI
        let folder = try ScratchFolder()
        let path = try folder.write("prefixed.csv", """
            dwc:occurrenceID,dwc:country,http://rs.tdwg.org/dwc/terms/decimalLatitude,dcterms:modified,http://purl.org/dc/terms/license
            urn:x:1,Ghana,5.6,2024-01-02,CC0

            """)

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then they are understood without remark
        #expect(source.unknownTerms.isEmpty)
        #expect(source.replacedTerms.isEmpty)
        #expect(result.records.first?.fields == [
            "occurrenceID": "urn:x:1", "country": "Ghana", "decimalLatitude": "5.6", "modified": "2024-01-02",
            "license": "CC0",
        ])
        #expect(result.records.first?.key == "urn:x:1")
    }

    @Test("unknown columns are kept under their names and listed in unknownTerms, in header order")
    func unknownColumns() throws {
        // Given a CSV with two columns that are not Darwin Core
        let folder = try ScratchFolder()
        let path = try folder.write("local.csv", """
            occurrenceID,myLocalCode,scientificName,Barcode Shelf
            o1,LC-7,Puma concolor,B12

            """)

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then they are kept as written, and reported
        #expect(source.unknownTerms == ["myLocalCode", "Barcode Shelf"])
        #expect(source.replacedTerms.isEmpty)
        #expect(result.records.first?.fields == [
            "occurrenceID": "o1", "myLocalCode": "LC-7", "scientificName": "Puma concolor", "Barcode Shelf": "B12",
        ])
    }

    @Test("an unknown column whose name holds / or # is kept under its whole name")
    func unknownColumnsWithSlashOrHash() throws {
        // Given spreadsheet-style names that are not IRIs: "Habitat/Substrate", "Box #" and "Genus/Species"
        let folder = try ScratchFolder()
        let path = try folder.write("sheet.csv", """
            occurrenceID,Habitat/Substrate,Box #,Genus/Species
            o1,bark,12,Puma concolor

            """)

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then each is kept as written, and none is taken for a Darwin Core term
        #expect(source.unknownTerms == ["Habitat/Substrate", "Box #", "Genus/Species"])
        #expect(source.replacedTerms.isEmpty)
        #expect(result.records.first?.fields == [
            "occurrenceID": "o1", "Habitat/Substrate": "bark", "Box #": "12", "Genus/Species": "Puma concolor",
        ])
    }
}
