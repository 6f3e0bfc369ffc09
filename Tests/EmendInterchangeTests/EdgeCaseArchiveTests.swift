import EmendCore
import Foundation
import Testing

@testable import EmendInterchange

/// The odd and broken archives in Tests/Fixtures/dwca/edge-cases, read to the end, each with its expected outcome.
@Suite("Edge-case archives")
struct EdgeCaseArchiveTests {
    /// Every archive of Tests/Fixtures/dwca that some test below reads. A new fixture must be added here, with a test.
    static let covered: Set<String> = [
        "real/dwcareader-gbif-results.zip",
        "real/gbif-download-10.15468-dl.npd2js-cpmr-dwca.zip",
        "real/seltmann-gryonoides-ucsb-dwca.zip",
        "edge-cases/dwcaio-nullCoreID.zip",
        "edge-cases/dwcaio-plazi-missing-metadata.zip",
        "edge-cases/dwcareader-dwca-2extensions.zip",
        "edge-cases/dwcareader-dwca-invalid-simple-two.zip",
        "edge-cases/dwcareader-dwca-noheaders-1.zip",
        "edge-cases/dwcareader-dwca-orphaned-rows.zip",
        "edge-cases/dwcareader-dwca-simple-csv.zip",
        "edge-cases/dwcareader-dwca-simple-test-archive.tgz",
        "edge-cases/dwcareader-dwca-simple-test-archive.zip",
        "edge-cases/dwcareader-dwca-star-test-archive.zip",
        "edge-cases/dwcareader-dwca-utf8-eol-test.zip",
        "edge-cases/gbifpipelines-dwca-empty.zip",
        "edge-cases/gbifpipelines-dwca-one-hundred-good-triplets-dupe-and-missing-ids.zip",
        "edge-cases/gbifpipelines-dwca-one-hundred-good-triplets-dupe-ids.zip",
        "edge-cases/gbifpipelines-dwca-one-hundred-good-triplets-good-ids.zip",
        "edge-cases/gbifpipelines-dwca-one-thousand-good-triplets-no-id.zip",
        "edge-cases/gbifpipelines-dwca-with-backslashes.zip",
        "edge-cases/gbifpipelines-plants.zip",
    ]

    @Test("every fixture archive has a test, and every tested archive is in Tests/Fixtures")
    func everyFixtureIsCovered() throws {
        // Given the fixture folders
        var present: Set<String> = []
        for folder in ["real", "edge-cases"] {
            // When they are listed
            let names = try FileManager.default.contentsOfDirectory(
                atPath: Fixtures.dwca.appendingPathComponent(folder).path)
            present.formUnion(names.filter { !$0.hasPrefix(".") }.map { "\(folder)/\($0)" })
        }
        // Then they hold exactly the archives the tests read
        #expect(present == Self.covered)
    }

    // MARK: Refused: the core is not Occurrence

    static let taxonCores = [
        "dwcareader-dwca-star-test-archive.zip",  // Taxon core + VernacularName
        "dwcareader-dwca-2extensions.zip",  // Taxon core + Description + VernacularName
        "dwcareader-dwca-orphaned-rows.zip",  // Taxon core whose extensions hold orphaned rows
        "dwcaio-plazi-missing-metadata.zip",  // Taxon core + occurrences/description/media/… extensions
        // Taxon core in nullCoreID/ beside __MACOSX/: reaching the row-type check shows both the sub-folder is
        // found and __MACOSX is ignored (otherwise: "no meta.xml and no data file")
        "dwcaio-nullCoreID.zip",
    ]

    @Test("a Taxon core is refused on meta.xml, naming the row type", arguments: taxonCores)
    func taxonCoreIsRefused(_ name: String) {
        // Given an archive whose meta.xml declares a Taxon core
        let path = Fixtures.edgeCase(name)

        // When it is opened and read
        let error = importError(path)

        // Then the whole import is refused on meta.xml, naming the row type it found and the one it needs
        #expect(error == ImportError(
            file: "meta.xml",
            reason: "the core row type is http://rs.tdwg.org/dwc/terms/Taxon; Emend imports occurrence cores (http://rs.tdwg.org/dwc/terms/Occurrence)"))
    }

    // MARK: No meta.xml: one bare data file with a header row

    /// The GBIF "simple CSV" download of 2016: tab separated, every text value in double quotes, lower-case names.
    /// Three rows: KAUM I 42685 (no occurrenceID), WAM P804.001 (occurrenceID 0f0452b9-…), FJ583620 (no triplet).
    static let gbifSimpleCSV = [
        "dwcareader-dwca-simple-csv.zip",  // the .csv alone
        "dwcareader-dwca-invalid-simple-two.zip",  // the same .csv, plus an empty 'random_file' and __MACOSX
    ]

    @Test("a zip with no meta.xml and one quoted tab-separated .csv is read as a bare file with a header row",
        arguments: gbifSimpleCSV)
    func bareCSVInAZip(_ name: String) throws {
        // Given a zip holding one data file and no meta.xml (random_file has no data extension, so it is not a candidate)
        let path = Fixtures.edgeCase(name)

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then the file is the core, its first row the header, and the three data rows are records
        #expect(source.descriptor.core.location == "0008333-160118175350007.csv")
        #expect(source.descriptor.core.format.delimiter == 0x09)
        #expect(source.descriptor.core.fields.count == 42)
        #expect(source.title == nil)
        #expect(result.records.map(\.location) == [
            "0008333-160118175350007.csv line 2", "0008333-160118175350007.csv line 3",
            "0008333-160118175350007.csv line 4",
        ])
        #expect(result.problems.isEmpty)

        // and, the header being quoted, the quotes around each name and value are taken off
        #expect(source.descriptor.core.format.quote == 0x22)
        #expect(result.records.map(\.key) == ["KAUM:I:42685", "0f0452b9-970e-40f4-9f22-087817943ce2", "FJ583620"])
        #expect(result.withKey == 3)
        #expect(result.withoutKey == 0)
        #expect(result.duplicateKeys == 0)
        #expect(result.records.allSatisfy { $0.fields["scientificName"] == "Lactoria cornuta (Linnaeus, 1758)" })
        let kaum = try #require(result.records.first)
        #expect(kaum.fields["gbifid"] == "699220990")
        #expect(kaum.fields["locality"] == "Kumano Beach, Nakatane, Tanega-shima Island")
        #expect(kaum.fields["occurrenceID"] == nil)

        // the lower-case names are mapped to the current terms; GBIF's own are kept and reported
        #expect(source.unknownTerms == [
            "gbifid", "datasetkey", "species", "publishingorgkey", "elevation", "elevationaccuracy", "depth",
            "depthaccuracy", "taxonkey", "specieskey", "lastinterpreted", "mediatype", "issue",
        ])
        #expect(source.replacedTerms.count == 19)
        #expect(source.replacedTerms["occurrenceid"] == "occurrenceID")
        #expect(source.replacedTerms["scientificname"] == "scientificName")
        #expect(source.replacedTerms["catalognumber"] == "catalogNumber")
        #expect(source.replacedTerms["rights"] == "license")  // dcterms:rights, deprecated in Darwin Core
    }

    // MARK: Layout: sub-folder, backslashes, tar, __MACOSX

    @Test("files in a single sub-folder (tmp/): the identifier extension's core ids match no core row")
    func plantsInASubFolder() throws {
        // Given gbifpipelines-plants: everything under tmp/, an occurrence core with no header line (307 rows, the
        // core id in column 0 such as "CF7C5D2F-E2F2-42C2-89F4-9095F7666F2F/139") and an Identifier extension of
        // 307 rows whose core ids are mangled in the source ("F75D2F-E2F2-422-89F4-9095F7666F2F 139"): none matches
        let path = Fixtures.edgeCase("gbifpipelines-plants.zip")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then the core is found in tmp/ and read whole
        #expect(source.title == "TEST ARCHIVE TITLE")
        #expect(result.records.count == 307)
        #expect(result.withKey == 307)
        #expect(result.withoutKey == 0)
        #expect(result.duplicateKeys == 0)
        #expect(result.records.first?.location == "occurrence.txt line 1")
        #expect(result.records.first?.key == "CF7C5D2F-E2F2-42C2-89F4-9095F7666F2F/139")
        #expect(result.records.first?.fields["scientificName"] == "Betula pubescens Ehrh.")
        #expect(result.records.last?.location == "occurrence.txt line 307")
        #expect(result.records.last?.key == "05C59A8A-EED9-459D-A91F-113C9DA78A82/2701")
        #expect(source.descriptor.extensions.map(\.rowTypeName) == ["Identifier"])

        // and every identifier row is reported as an orphan (52 distinct core ids), none attached to a record
        #expect(result.records.allSatisfy { $0.extensions.isEmpty })
        #expect(result.problemCounts == [.orphanedExtensionRow: 307])
        #expect(result.problems.map(\.location) == (1...307).map { "identifier.txt line \($0)" })
        #expect(Set(result.problems.map(\.detail)).count == 52)
        #expect(result.problems.contains {
            $0.detail == #"core id "F75D2F-E2F2-422-89F4-9095F7666F2F 139" is not in the core file"#
        })
    }

    @Test("zip entry names written with backslashes are read as paths")
    func backslashPaths() throws {
        // Given a zip whose entries are \meta.xml, \occurrence.txt, \eml.txt and an empty \images.txt
        let path = Fixtures.edgeCase("gbifpipelines-dwca-with-backslashes.zip")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then meta.xml and occurrence.txt are found, and the 100 rows read
        #expect(result.records.count == 100)
        #expect(result.withKey == 100)
        #expect(result.duplicateKeys == 0)
        #expect(result.problems.isEmpty)
        #expect(result.records.map(\.key) == (0..<100).map { "\($0)" })
        #expect(result.records.first?.fields["catalogNumber"] == "TIM:0")
        // meta.xml names eml.xml but the archive holds eml.txt: no title
        #expect(source.title == nil)
    }

    @Test("a .tgz is unpacked with tar; its ._ AppleDouble files are ignored")
    func tarGzip() throws {
        // Given the simple test archive as .tgz: meta.xml, eml.xml, occurrence.txt (ids 3 and 0) and ./._* forks
        let path = Fixtures.edgeCase("dwcareader-dwca-simple-test-archive.tgz")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then both rows are records keyed by their core id
        #expect(source.title == "simple-test-archive")
        #expect(result.records.map(\.key) == ["3", "0"])
        #expect(result.records.map(\.location) == ["occurrence.txt line 2", "occurrence.txt line 3"])
        #expect(result.records.map { $0.fields["scientificName"] } == ["tetraodon fluviatilis", "betta splendens"])
        #expect(result.records.first?.fields == [
            "basisOfRecord": "Observation", "locality": "Borneo", "family": "Tetraodontidae",
            "scientificName": "tetraodon fluviatilis",
        ])
        #expect(result.problems.isEmpty)
        #expect(source.unknownTerms.isEmpty)
    }

    // MARK: Keys: missing, duplicate, from the core id or the triplet

    @Test("the zip simple test archive: two rows with an empty id column and no occurrenceID have no key")
    func simpleTestArchiveZip() throws {
        // Given occurrence.txt with a header and two rows whose id cell is empty (and no occurrenceID or catalogNumber)
        let path = Fixtures.edgeCase("dwcareader-dwca-simple-test-archive.zip")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then the reader hands both over without a key (the store skips them as missing id); no row problem
        #expect(source.title == "simple-test-archive")
        #expect(result.records.count == 2)
        #expect(result.withoutKey == 2)
        #expect(result.records.map(\.location) == ["occurrence.txt line 2", "occurrence.txt line 3"])
        #expect(result.records.map { $0.fields["locality"] } == ["Borneo", "Mumbai"])
        #expect(result.problems.isEmpty)
    }

    @Test("no header line (ignoreHeaderLines=0): the first line is a record")
    func noHeaders() throws {
        // Given occurrence.txt with no header and two rows whose id cell is empty; __MACOSX beside it
        let path = Fixtures.edgeCase("dwcareader-dwca-noheaders-1.zip")

        // When it is read to the end
        let (_, result) = try drain(path: path)

        // Then both lines are records, and neither has a key
        #expect(result.records.map(\.location) == ["occurrence.txt line 1", "occurrence.txt line 2"])
        #expect(result.records.map { $0.fields["scientificName"] } == ["tetraodon fluviatilis", "betta splendens"])
        #expect(result.withoutKey == 2)
        #expect(result.problems.isEmpty)
    }

    @Test("an occurrence core with a header and no rows gives no records and no problems")
    func emptyCore() throws {
        // Given occurrence.txt holding only its header line (and a blank line)
        let path = Fixtures.edgeCase("gbifpipelines-dwca-empty.zip")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then nothing comes out, and nothing is wrong
        #expect(source.title == "Tim 1000 records")
        #expect(result.records.isEmpty)
        #expect(result.problems.isEmpty)
    }

    @Test("100 good triplets, good ids: 100 distinct occurrenceIDs")
    func goodIDs() throws {
        // Given 100 rows with occurrenceID 0…99 (and the triplet TIM_INST:TIM_COLL:TIM:n), then a blank line
        let path = Fixtures.edgeCase("gbifpipelines-dwca-one-hundred-good-triplets-good-ids.zip")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then 100 keyed records, no duplicates, and the trailing blank line is not a row
        #expect(source.title == "Tim 100 records")
        #expect(result.records.count == 100)
        #expect(result.records.map(\.key) == (0..<100).map { "\($0)" })
        #expect(result.duplicateKeys == 0)
        #expect(result.problems.isEmpty)
        let first = try #require(result.records.first)
        #expect(first.fields == [
            "basisOfRecord": "OBSERVATION", "collectionCode": "TIM_COLL", "decimalLatitude": "0",
            "scientificName": "Puma concolor", "decimalLongitude": "0", "catalogNumber": "TIM:0",
            "kingdom": "Animalia", "institutionCode": "TIM_INST", "occurrenceID": "0",
        ])
    }

    @Test("100 good triplets, duplicate ids: occurrenceID 9 on rows 9 and 90…99, the store's 10 duplicates")
    func duplicateIDs() throws {
        // Given 100 rows whose occurrenceID is n, except rows 90…99 which all say 9
        let path = Fixtures.edgeCase("gbifpipelines-dwca-one-hundred-good-triplets-dupe-ids.zip")

        // When it is read to the end
        let (_, result) = try drain(path: path)

        // Then the reader passes all 100 on with their keys; ten of them repeat "9" (the store counts those)
        #expect(result.records.count == 100)
        #expect(result.withKey == 100)
        #expect(result.duplicateKeys == 10)
        #expect(result.records.filter { $0.key == "9" }.count == 11)
        #expect(result.problems.isEmpty)
    }

    @Test("100 good triplets, duplicate and missing ids: empty occurrenceIDs fall back to the core id")
    func duplicateAndMissingIDs() throws {
        // Given 100 rows: occurrenceID empty on rows 80…89, "9" on rows 9 and 90…99; the core id (column 0) is n
        let path = Fixtures.edgeCase("gbifpipelines-dwca-one-hundred-good-triplets-dupe-and-missing-ids.zip")

        // When it is read to the end
        let (_, result) = try drain(path: path)

        // Then no record lacks a key: rows 80…89 are keyed by their core id; ten repeats of "9" remain
        #expect(result.records.count == 100)
        #expect(result.withoutKey == 0)
        #expect(result.duplicateKeys == 10)
        let fallback = result.records.filter { $0.fields["occurrenceID"] == nil }
        #expect(fallback.map(\.key) == (80..<90).map { "\($0)" })
        #expect(result.problems.isEmpty)
    }

    @Test("1,000 good triplets, no occurrenceID column: keyed by the core id")
    func thousandWithoutOccurrenceID() throws {
        // Given 1,000 rows with a core id (column 0) and a triplet but no occurrenceID field in meta.xml
        let path = Fixtures.edgeCase("gbifpipelines-dwca-one-thousand-good-triplets-no-id.zip")

        // When it is read to the end
        let (_, result) = try drain(path: path)

        // Then all 1,000 are keyed by their core id, distinct
        #expect(result.records.count == 1000)
        #expect(result.records.map(\.key) == (0..<1000).map { "\($0)" })
        #expect(result.records.allSatisfy { $0.fields["occurrenceID"] == nil })
        #expect(result.duplicateKeys == 0)
        #expect(result.problems.isEmpty)
        #expect(result.records.last?.location == "occurrence.txt line 1001")
        #expect(result.records.last?.fields["catalogNumber"] == "TIM:999")
    }

    // MARK: Encoding

    @Test("UTF-8 with U+0085 (NEL) inside a value: one row, the character kept, not taken as a line end")
    func utf8NextLineInAValue() throws {
        // Given one row with no trailing newline whose identifiedBy holds "Ã<U+0085>hlander, E" (bytes C3 83 C2 85)
        let path = Fixtures.edgeCase("dwcareader-dwca-utf8-eol-test.zip")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then there is exactly one record, with the value intact
        #expect(result.records.count == 1)
        #expect(result.records.first?.key == "189433446")
        #expect(result.records.first?.location == "occurrence.txt line 1")
        #expect(result.records.first?.fields["identifiedBy"] == "\u{C3}\u{85}hlander, E")
        #expect(result.records.first?.fields["scientificName"] == "Tetraodon fluviatilis Hamilton, 1822")
        #expect(result.problems.isEmpty)
        #expect(source.title == "GBIF Occurrence Download 0000006-130717145108713")
    }
}
