import EmendCore
import Foundation
import Testing

@testable import EmendInterchange

/// Small archive folders written at test time: extensions, orphans, malformed rows, and folders that must be refused.
@Suite("Archive folders written at test time")
struct FolderArchiveTests {
    /// A tab-separated occurrence core with a header line, and a Multimedia extension keyed by the core id.
    static let metaXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <archive xmlns="http://rs.tdwg.org/dwc/text/">
          <core encoding="UTF-8" fieldsTerminatedBy="\\t" linesTerminatedBy="\\n" fieldsEnclosedBy="" ignoreHeaderLines="1"
                rowType="http://rs.tdwg.org/dwc/terms/Occurrence">
            <files><location>occurrence.txt</location></files>
            <id index="0"/>
            <field index="0" term="http://rs.tdwg.org/dwc/terms/occurrenceID"/>
            <field index="1" term="http://rs.tdwg.org/dwc/terms/scientificName"/>
            <field index="2" term="http://rs.tdwg.org/dwc/terms/country"/>
            <field term="http://rs.tdwg.org/dwc/terms/basisOfRecord" default="PreservedSpecimen"/>
          </core>
          <extension encoding="UTF-8" fieldsTerminatedBy="\\t" linesTerminatedBy="\\n" fieldsEnclosedBy="" ignoreHeaderLines="1"
                rowType="http://rs.gbif.org/terms/1.0/Multimedia">
            <files><location>multimedia.txt</location></files>
            <coreid index="0"/>
            <field index="1" term="http://purl.org/dc/terms/identifier"/>
            <field index="2" term="http://purl.org/dc/terms/format"/>
          </extension>
        </archive>
        """

    static let core = """
        occurrenceID\tscientificName\tcountry
        occ-1\tPuma concolor\tPeru
        occ-2\tBetula pubescens\tNetherlands
        occ-3\tLactoria cornuta\tJapan

        """

    /// A folder archive with `metaXML`, the three-occurrence `core` and the given multimedia file.
    static func archive(multimedia: String) throws -> ScratchFolder {
        let folder = try ScratchFolder()
        try folder.write("meta.xml", metaXML)
        try folder.write("occurrence.txt", core)
        try folder.write("multimedia.txt", multimedia)
        return folder
    }

    @Test("extension rows attach to their own record; one whose core id is not in the core is one orphan")
    func orphanedExtensionRow() throws {
        // Given a folder archive: three occurrences; four multimedia rows, two for occ-1, one for occ-3 and one for
        // occ-404, which the core does not have
        let folder = try Self.archive(multimedia: """
            coreid\tidentifier\tformat
            occ-1\thttps://example.org/1a.jpg\timage/jpeg
            occ-404\thttps://example.org/lost.jpg\timage/jpeg
            occ-3\thttps://example.org/3.png\timage/png
            occ-1\thttps://example.org/1b.jpg\timage/jpeg

            """)

        // When the folder is read to the end
        let (source, result) = try drain(path: folder.path)

        // Then the three records come out keyed, with the default basisOfRecord, and their own media in file order
        #expect(source.sourceName == folder.url.lastPathComponent)
        #expect(result.records.map(\.key) == ["occ-1", "occ-2", "occ-3"])
        #expect(result.records.map(\.location) == [
            "occurrence.txt line 2", "occurrence.txt line 3", "occurrence.txt line 4",
        ])
        #expect(result.records.allSatisfy { $0.fields["basisOfRecord"] == "PreservedSpecimen" })
        #expect(result.records[0].extensions == [
            "Multimedia": [
                ["identifier": "https://example.org/1a.jpg", "format": "image/jpeg"],
                ["identifier": "https://example.org/1b.jpg", "format": "image/jpeg"],
            ],
        ])
        #expect(result.records[1].extensions.isEmpty)
        #expect(result.records[2].extensions == [
            "Multimedia": [["identifier": "https://example.org/3.png", "format": "image/png"]],
        ])

        // and exactly one problem: the orphaned row, reported after the last record
        #expect(result.problems == [
            RowProblem(kind: .orphanedExtensionRow, location: "multimedia.txt line 3", detail: #"core id "occ-404" is not in the core file"#),
        ])
    }

    @Test("rows with more or fewer cells than the header are reported as malformed and skipped")
    func malformedRows() throws {
        // Given a core whose header has three columns, with a two-cell row (line 3) and a four-cell row (line 5)
        let folder = try ScratchFolder()
        try folder.write("meta.xml", Self.metaXML)
        try folder.write("occurrence.txt", """
            occurrenceID\tscientificName\tcountry
            occ-1\tPuma concolor\tPeru
            occ-2\tBetula pubescens
            occ-3\tLactoria cornuta\tJapan
            occ-4\tBetta splendens\tIndia\textra

            """)
        try folder.write("multimedia.txt", "coreid\tidentifier\tformat\n")

        // When the folder is read to the end
        let (_, result) = try drain(path: folder.path)

        // Then the good rows are records and each bad one is a malformed-row problem naming its line
        #expect(result.records.map(\.key) == ["occ-1", "occ-3"])
        #expect(result.problems == [
            RowProblem(kind: .malformedRow, location: "occurrence.txt line 3", detail: "2 cells where the header has 3"),
            RowProblem(kind: .malformedRow, location: "occurrence.txt line 5", detail: "4 cells where the header has 3"),
        ])
    }

    @Test("an extension row with the wrong number of cells is reported as malformed, not attached")
    func malformedExtensionRow() throws {
        // Given a multimedia extension whose header has three columns and whose second row has two cells
        let folder = try Self.archive(multimedia: """
            coreid\tidentifier\tformat
            occ-1\thttps://example.org/1a.jpg\timage/jpeg
            occ-2\thttps://example.org/2.jpg

            """)

        // When the folder is read to the end
        let (_, result) = try drain(path: folder.path)

        // Then occ-1 has its image, and the short row is a malformed-row problem rather than part of occ-2
        #expect(result.records.first?.extensions["Multimedia"]?.count == 1)
        #expect(result.records[1].extensions.isEmpty)
        #expect(result.problemCounts == [.malformedRow: 1])
    }

    @Test("a meta.xml with an encoding Emend cannot read is refused, naming the line of the declaration")
    func unsupportedEncoding() throws {
        // Given a meta.xml whose core, on line 3, declares UTF-16
        let folder = try ScratchFolder()
        try folder.write("meta.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <archive xmlns="http://rs.tdwg.org/dwc/text/">
              <core encoding="UTF-16" fieldsTerminatedBy="\\t" ignoreHeaderLines="1" rowType="http://rs.tdwg.org/dwc/terms/Occurrence">
                <files><location>occurrence.txt</location></files>
                <id index="0"/>
                <field index="0" term="http://rs.tdwg.org/dwc/terms/occurrenceID"/>
              </core>
            </archive>
            """)
        try folder.write("occurrence.txt", "occurrenceID\nocc-1\n")

        // When it is opened
        let error = importError(folder.path)

        // Then it is refused on meta.xml line 3, saying which encodings are supported
        #expect(error?.file == "meta.xml")
        #expect(error?.reason.hasSuffix(#"encoding "UTF-16" is not supported (UTF-8, ISO-8859-1 and Windows-1252 are)"#) == true)
        #expect(error == ImportError(
            file: "meta.xml", line: 3,
            reason: #"encoding "UTF-16" is not supported (UTF-8, ISO-8859-1 and Windows-1252 are)"#))
    }

    @Test("a meta.xml naming a file that is not there is refused")
    func missingCoreFile() throws {
        // Given meta.xml naming occurrence.txt, which the folder lacks
        let folder = try ScratchFolder()
        try folder.write("meta.xml", Self.metaXML)

        // When it is opened
        let error = importError(folder.path)

        // Then the import is refused on meta.xml
        #expect(error == ImportError(file: "meta.xml", reason: "names occurrence.txt, which is not in the archive"))
    }

    @Test("no meta.xml and two data files: refused, since it cannot tell which holds the records")
    func twoDataFilesWithoutMetaXML() throws {
        // Given a folder with two CSV files and no meta.xml
        let folder = try ScratchFolder()
        try folder.write("a.csv", "occurrenceID\nx\n")
        try folder.write("b.csv", "occurrenceID\ny\n")

        // When it is opened
        let error = importError(folder.path)

        // Then it is refused, naming both files
        #expect(error == ImportError(
            file: folder.url.lastPathComponent,
            reason: "no meta.xml, and more than one data file (a.csv, b.csv): cannot tell which holds the records"))
    }

    @Test("a path that does not exist is refused")
    func noSuchPath() {
        // Given a path nothing is at
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("emend-no-such-\(UUID().uuidString).zip").path

        // When it is opened
        let error = importError(path)

        // Then the error names it
        #expect(error == ImportError(file: path, reason: "no such file or folder"))
    }
}
