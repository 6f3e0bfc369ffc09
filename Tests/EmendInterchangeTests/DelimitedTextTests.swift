import EmendCore
import Foundation
import Testing

@testable import EmendInterchange

/// Bare CSV files: quoting, and the fatal errors that name the file and line.
@Suite("Delimited text: quoting, unterminated quotes, encodings")
struct DelimitedTextTests {
    @Test("a quoted value may hold a comma, a doubled quote and a newline")
    func quotedValue() throws {
        // Given a CSV whose second row's locality is quoted and holds all three
        let folder = try ScratchFolder()
        let path = try folder.write("specimens.csv", """
            catalogNumber,locality,country
            A1,"Rue de Rivoli, ""Left"" Bank
            second line",France
            A2,plain,Peru

            """)

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then the value comes back whole, and the next row starts on line 4
        #expect(source.descriptor.core.format == TextFormat(delimiter: 0x2C, quote: 0x22, headerLines: 1))
        #expect(result.records.count == 2)
        #expect(result.records[0].fields["locality"] == "Rue de Rivoli, \"Left\" Bank\nsecond line")
        #expect(result.records[0].fields["country"] == "France")
        #expect(result.records.map(\.location) == ["specimens.csv line 2", "specimens.csv line 4"])
        #expect(result.records.map(\.key) == ["::A1", "::A2"])
        #expect(result.problems.isEmpty)
    }

    @Test("a quote inside an unquoted value is kept as it is")
    func quoteInsideAValue() throws {
        let folder = try ScratchFolder()
        let path = try folder.write("specimens.csv", "catalogNumber,recordedBy,country\r\nA1,O\"Brien,Ireland\r\nA2,,\"Peru\"\r\n")
        let (_, result) = try drain(path: path)
        #expect(result.records.map { $0.fields["recordedBy"] } == ["O\"Brien", nil])
        #expect(result.records.map { $0.fields["country"] } == ["Ireland", "Peru"])
        #expect(result.problems.isEmpty)
    }

    @Test("a quote never closed is fatal, naming the file and the line it opened on")
    func unterminatedQuote() throws {
        // Given a CSV whose third line opens a quote that nothing closes
        let folder = try ScratchFolder()
        let path = try folder.write("broken.csv", """
            catalogNumber,locality
            A1,ok
            A2,"never closed
            A3,still inside the quote

            """)

        // When it is read
        let error = importError(path)

        // Then the import is refused at broken.csv line 3
        #expect(error == ImportError(file: "broken.csv", line: 3, reason: "a quoted value is never closed"))
    }

    @Test("an unclosed quote after a multi-line value in the same row is named at the line it opened on")
    func unterminatedQuoteAfterMultiLineValue() throws {
        // Given a row starting on line 2 whose first quoted value spans lines 2–3, and whose second quoted value
        // opens on line 3 and is never closed
        let folder = try ScratchFolder()
        let path = try folder.write("broken.csv", """
            catalogNumber,locality,remarks
            A1,"two
            lines","never closed
            A2,x,y

            """)

        // When it is read
        let error = importError(path)

        // Then the error names the file, and the line where the unclosed quote opened
        #expect(error?.file == "broken.csv")
        #expect(error?.reason == "a quoted value is never closed")
        #expect(error?.line == 3)
    }

    @Test("invalid UTF-8 is fatal, naming the file and the line")
    func invalidUTF8() throws {
        // Given a CSV whose fourth line holds the bytes C3 28, which are not UTF-8
        let folder = try ScratchFolder()
        var bytes = Data("catalogNumber,locality\nA1,Paris\nA2,Zürich\nA3,".utf8)
        bytes.append(contentsOf: [0xC3, 0x28])
        bytes.append(contentsOf: Data("\nA4,Oslo\n".utf8))
        let path = try folder.write("latin.csv", bytes)

        // When it is read
        let error = importError(path)

        // Then the import is refused at latin.csv line 4
        #expect(error == ImportError(file: "latin.csv", line: 4, reason: "not valid UTF-8 (the declared encoding)"))
    }

    @Test("an empty bare file is refused: it has no header row")
    func emptyFile() throws {
        // Given an empty CSV
        let folder = try ScratchFolder()
        let path = try folder.write("empty.csv", "")

        // When it is opened
        let error = importError(path)

        // Then it is refused
        #expect(error == ImportError(file: "empty.csv", reason: "the file is empty: no header row"))
    }

    @Test("a bare CSV row with the wrong number of cells is a malformed row")
    func malformedBareRow() throws {
        // Given a three-column CSV with a two-cell row on line 3
        let folder = try ScratchFolder()
        let path = try folder.write("short.csv", "occurrenceID,scientificName,country\no1,Puma concolor,Peru\no2,Betta\no3,Betta splendens,India\n")

        // When it is read to the end
        let (_, result) = try drain(path: path)

        // Then the short row is reported and skipped
        #expect(result.records.map(\.key) == ["o1", "o3"])
        #expect(result.problems == [
            RowProblem(kind: .malformedRow, location: "short.csv line 3", detail: "2 cells where the header has 3"),
        ])
    }

    @Test("a bare tab-separated file is read unquoted, as GBIF writes it")
    func bareTSV() throws {
        // Given a .tsv whose values hold a lone double quote, which is not quoting in GBIF's tab-separated files
        let folder = try ScratchFolder()
        let path = try folder.write("gbif.tsv", "occurrenceID\tverbatimLocality\no1\t5\" north of the bridge\n")

        // When it is read to the end
        let (source, result) = try drain(path: path)

        // Then the quote is part of the value
        #expect(source.descriptor.core.format == TextFormat(delimiter: 0x09, quote: nil, headerLines: 1))
        #expect(result.records.first?.fields["verbatimLocality"] == "5\" north of the bridge")
        #expect(result.records.first?.key == "o1")
    }
}
