import EmendCore
import Foundation
import Testing

@testable import EmendInterchange

/// The three real museum archives in Tests/Fixtures/dwca/real, read to the end. The expected numbers were checked
/// against the archives themselves (unzip and Python's csv module), not only against the importer's output.
@Suite("Real museum archives")
struct RealArchiveTests {
    @Test("UCSB Gryonoides: 1,342 quoted CSV rows, one keyed by its core id, multi-line values intact")
    func seltmannGryonoides() throws {
        // Given the UCSB Gryonoides archive: occurrences.csv, comma separated with " quoting, one header line,
        // 41 columns (id + 40 terms), four values spanning lines and 243 rows holding doubled quotes
        let path = Fixtures.real("seltmann-gryonoides-ucsb-dwca.zip")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then every row is a record with a key, and nothing is reported
        #expect(result.records.count == 1342)
        #expect(result.withKey == 1342)
        #expect(result.withoutKey == 0)
        #expect(result.duplicateKeys == 0)
        #expect(result.problems.isEmpty)
        #expect(source.unknownTerms.isEmpty)
        #expect(source.replacedTerms.isEmpty)
        #expect(source.title == "University of California Santa Barbara Invertebrate Zoology Collection")
        #expect(source.descriptor.core.rowTypeName == "Occurrence")
        #expect(source.descriptor.core.fields.count == 40)

        // the header is line 1; four quoted values span two lines each, so the last row starts on line 1346
        #expect(result.records.first?.location == "occurrences.csv line 2")
        #expect(result.records.first?.key == "878c4d76-85ac-11ea-bc55-0242ac130003")
        #expect(result.records.last?.location == "occurrences.csv line 1346")
        #expect(result.records.last?.key == "491539d6-9cc6-11eb-a8b3-0242ac130003")

        // the one row without an occurrenceID (or catalogNumber) is keyed by its core id, column 0
        let coreKeyed = result.records.filter { $0.fields["occurrenceID"] == nil }
        #expect(coreKeyed.map(\.key) == ["1170"])
        #expect(coreKeyed.first?.fields["catalogNumber"] == nil)

        // a value with a line break, and one with doubled quotes, come through as written
        let riley = try #require(result.record(key: "728b3a52-869c-420f-81ad-cb45d87c82a0"))
        #expect(riley.fields["occurrenceRemarks"]
            == "Dr. Riley in June\t 1884\t from the eggs of a Carabid beetle\n(Chlaenius impuctifrons)\t Washington\t D.C.")
        #expect(riley.fields["associatedTaxa"] == #""parasitoid of":"Chlaenius impuctifrons""#)
        let arenas = try #require(result.record(key: "000e4738-8655-11ea-bc55-0242ac130003"))
        #expect(arenas.fields["occurrenceRemarks"]?.contains(#"0°4'6"N 72°26'48"W 250m"#) == true)
        #expect(arenas.fields["catalogNumber"] == "CNCHYMEN 132762")
        #expect(arenas.fields["decimalLatitude"] == "0.06833333")
        #expect(arenas.extensions.isEmpty)
    }

    @Test("GBIF download 10.15468/dl.npd2js (CPMR Ghana herbarium): 573 rows, each with its verbatim row attached")
    func cpmrGbifDownload() throws {
        // Given a GBIF download: occurrence.txt (223 interpreted columns, tab separated, unquoted), an empty
        // multimedia.txt (header only) and verbatim.txt, an extension of row type Occurrence keyed by gbifID
        let path = Fixtures.real("gbif-download-10.15468-dl.npd2js-cpmr-dwca.zip")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then there are 573 records, all keyed by their occurrenceID, with nothing to report
        #expect(result.records.count == 573)
        #expect(result.withKey == 573)
        #expect(result.withoutKey == 0)
        #expect(result.duplicateKeys == 0)
        #expect(result.problems.isEmpty)
        #expect(source.title == "GBIF Occurrence Download 10.15468/dl.npd2js")
        #expect(source.descriptor.extensions.map(\.rowTypeName) == ["Multimedia", "Occurrence"])
        #expect(result.records.first?.location == "occurrence.txt line 2")
        #expect(result.records.first?.key == "573")
        #expect(result.records.last?.location == "occurrence.txt line 574")
        #expect(result.records.last?.key == "13")

        // every record carries exactly one verbatim row, and it is its own: same gbifID, same occurrenceID;
        // multimedia.txt has no rows, so no record has a Multimedia entry
        for record in result.records {
            #expect(Array(record.extensions.keys) == ["Occurrence"], "\(record.location)")
            let verbatim = record.extensions["Occurrence"] ?? []
            #expect(verbatim.count == 1, "\(record.location)")
            #expect(verbatim.first?["gbifID"] == record.fields["gbifID"], "\(record.location)")
            #expect(verbatim.first?["occurrenceID"] == record.fields["occurrenceID"], "\(record.location)")
        }
        let first = try #require(result.records.first)
        #expect(first.fields["gbifID"] == "1884906513")
        #expect(first.fields["countryCode"] == "GH")  // interpreted
        #expect(first.extensions["Occurrence"]?.first?["countryCode"] == "GHA")  // as the publisher wrote it
        #expect(first.extensions["Occurrence"]?.first?["scientificName"] == "Flagellaria guineensis Schumach")

        // GBIF's own terms are kept under their names and reported; two GBIF names map to current DwC terms
        #expect(source.unknownTerms == [
            "gbifID", "datasetKey", "publishingCountry", "lastInterpreted", "elevation", "elevationAccuracy", "depth",
            "depthAccuracy", "distanceFromCentroidInMeters", "issue", "mediaType", "hasCoordinate", "hasGeospatialIssues",
            "taxonKey", "acceptedTaxonKey", "kingdomKey", "phylumKey", "classKey", "orderKey", "familyKey", "genusKey",
            "subgenusKey", "speciesKey", "species", "verbatimScientificName", "protocol", "lastParsed", "lastCrawled",
            "repatriated", "relativeOrganismQuantity", "isSequenced", "gbifRegion", "publishedByGbifRegion", "level0Gid",
            "level0Name", "level1Gid", "level1Name", "level2Gid", "level2Name", "level3Gid", "level3Name",
            "iucnRedListCategory",
        ])
        #expect(source.replacedTerms == ["projectId": "projectID", "acceptedScientificName": "acceptedNameUsage"])
        #expect(first.fields["projectID"] == "BID-AF2017-0226-NAC")
        #expect(first.fields["acceptedNameUsage"] == "Flagellaria guineensis Schumach.")
        #expect(first.fields["acceptedScientificName"] == nil)
    }

    @Test("GBIF results sample (python-dwca-reader): 158 rows with no header line, __MACOSX ignored")
    func dwcaReaderGbifResults() throws {
        // Given a 2013 GBIF download: occurrence.txt with ignoreHeaderLines="0", 64 columns, the id in column 0
        // (also occurrenceID), plus __MACOSX resource forks and citations.txt/rights.txt beside it
        let path = Fixtures.real("dwcareader-gbif-results.zip")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then all 158 rows are keyed records, the first data row being line 1
        #expect(result.records.count == 158)
        #expect(result.withKey == 158)
        #expect(result.withoutKey == 0)
        #expect(result.duplicateKeys == 0)
        #expect(result.problems.isEmpty)
        #expect(source.title == "GBIF Occurrence Download 0000006-130717145108713")
        #expect(result.records.first?.location == "occurrence.txt line 1")
        #expect(result.records.first?.key == "607759330")
        #expect(result.records.last?.location == "occurrence.txt line 158")
        #expect(result.records.last?.key == "782700656")
        let first = try #require(result.records.first)
        #expect(first.fields["scientificName"] == "Chelonodon fluviatilis (Hamilton, 1822)")
        #expect(first.fields["institutionCode"] == "CAS")
        #expect(first.fields["catalogNumber"] == "37109")

        // the rs.gbif.org terms of that time are kept and reported
        #expect(source.unknownTerms == [
            "kingdomID", "phylumID", "classID", "orderID", "familyID", "genusID", "speciesID", "elevationInMeters",
            "depthInMeters", "verbatimScientificName", "verbatimKingdom", "verbatimPhylum", "verbatimClass",
            "verbatimOrder", "verbatimFamily", "verbatimGenus", "verbatimSpecificEpithet",
            "verbatimInfraspecificEpithet", "elevationPrecision", "depthPrecision", "verbatimYear", "verbatimMonth",
            "verbatimBasisOfRecord", "created",
        ])
        #expect(source.replacedTerms.isEmpty)
        #expect(first.fields["classID"] == "204")
    }
}
