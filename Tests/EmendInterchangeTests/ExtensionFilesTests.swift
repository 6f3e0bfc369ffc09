@testable import EmendInterchange
import Foundation
import NIOCore
import Testing

@Suite struct ExtensionFilesTests {
    @Test func eachRowTypeGetsAFileOfItsOwnAndAnIRI() throws {
        // Given row types as import keeps them: a GBIF extension, Darwin Core's Occurrence (GBIF's verbatim rows), and
        // one of no registry
        let files = try ExtensionFiles(layout: [
            ("Multimedia", ["format", "identifier"]), ("Occurrence", ["basisOfRecord"]), ("Field notes", ["page"]),
        ])
        // Then each has a file named after it that no other file of the archive has
        #expect(files.files.map(\.location) == ["multimedia.txt", "occurrence-2.txt", "field-notes.txt"])
        // And meta.xml names each by its IRI, a URN for the one no registry has
        let meta = DarwinCoreArchiveMetadata.meta(terms: ["basisOfRecord"], extensions: files.files)
        #expect(meta.contains(#"rowType="http://rs.gbif.org/terms/1.0/Multimedia""#))
        #expect(meta.components(separatedBy: #"rowType="http://rs.tdwg.org/dwc/terms/Occurrence""#).count == 3)  // core and extension
        #expect(meta.contains(#"rowType="urn:x-emend:rowType:Field%20notes""#))
        #expect(meta.contains(#"<location>field-notes.txt</location>"#))
    }

    @Test func rowsAreWrittenUnderTheirRecordAndReadBackWhole() throws {
        // Given a row type's file, and two records' rows, one with a comma and a quote, one without a term
        let files = try ExtensionFiles(layout: [("Multimedia", ["format", "identifier"])])
        try files.add(id: "r1", extensionsJSON: #"{"Multimedia":[{"format":"image/jpeg","identifier":"https://x/1, \"big\""}]}"#)
        try files.add(id: "r2", extensionsJSON: #"{"Multimedia":[{"identifier":"https://x/2"},{"format":"image/png"}]}"#)
        // When it is read back
        var text = ""
        while let chunk = try files.nextChunk(of: 0) { text += String(buffer: chunk) }
        // Then it is the header, then each row under its record's id, quoted as CSV quotes, an absent term empty
        let lines = ["coreid,format,identifier", #"r1,image/jpeg,"https://x/1, ""big""""#, "r2,,https://x/2", "r2,image/png,"]
        #expect(text == lines.map { $0 + "\n" }.joined())
    }

    @Test func rowsBeyondWhatIsHeldInMemoryAreReadBackInOrder() throws {
        // Given more rows than are held before they go to the file (64 KiB), all of them written out by the time they
        // are read back
        let files = try ExtensionFiles(layout: [("Multimedia", ["identifier"])])
        let rows = (1...5000).map { #"{"identifier":"https://example.org/images/\#($0)"}"# }
        try files.add(id: "r1", extensionsJSON: #"{"Multimedia":[\#(rows.joined(separator: ","))]}"#)
        // When it is read back, a piece at a time
        var text = "", pieces = 0
        while let chunk = try files.nextChunk(of: 0) {
            text += String(buffer: chunk)
            pieces += 1
        }
        // Then every row is there once, in order, after the header
        let lines = text.split(separator: "\n")
        #expect(pieces > 1 && lines.count == 5001)
        #expect(lines[1] == "r1,https://example.org/images/1" && lines[5000] == "r1,https://example.org/images/5000")
    }

    @Test func aRowWithATermOrRowTypeNotInTheLayoutStopsTheDownload() throws {
        let files = try ExtensionFiles(layout: [("Multimedia", ["identifier"])])
        #expect(throws: UnexpectedTerm.self) { try files.add(id: "r1", extensionsJSON: #"{"Multimedia":[{"licence":"CC0"}]}"#) }
        #expect(throws: UnexpectedTerm.self) { try files.add(id: "r1", extensionsJSON: #"{"Identification":[{"identifiedBy":"A"}]}"#) }
    }
}
