import Foundation
import Testing

@Suite struct DownloadTests {
    @Test func aDarwinCoreArchiveOfRealDataOpensInTheToolsThatReadThem() throws {
        // Given both real archives imported
        let work = try Workspace()
        for archive in ["seltmann-gryonoides-ucsb-dwca.zip", "gbif-download-10.15468-dl.npd2js-cpmr-dwca.zip"] {
            #expect(try CLI.run(["import", "--db", work.db, Workspace.fixture("dwca/real/\(archive)")]).status == 0)
        }
        // When every record, and then one dataset's, is exported as a Darwin Core Archive
        let all = try CLI.run(["export", "--db", work.db, "--format", "dwca", "--out", work.path("all.zip")])
        let ghana = try CLI.run([
            "export", "--db", work.db, "--format", "dwca", "--search", "dataset=gbif-download-10-15468-dl-npd2js-cpmr-dwca",
            "--out", work.path("ghana.zip"),
        ])
        #expect(all.status == 0 && all.stderr.contains("Exported 1915 records as of seq 1917"), "\(all.stderr)")
        #expect(ghana.status == 0 && ghana.stderr.contains("Exported 573 records"), "\(ghana.stderr)")
        // Then meta.xml is valid against the TDWG text schema and python-dwca-reader reads every row, with the GBIF
        // download's verbatim rows (an extension) each under its record
        let schema = Workspace.fixture("dwca-meta-schema/tdwg_dwc_text.offline.xsd")
        let script = CLI.packageRoot.appendingPathComponent("Tests/Downloads/check_dwca.py").path
        for (file, rows) in [("all.zip", 1915), ("ghana.zip", 573)] {
            let check = try CLI.python([script, work.path(file), schema, String(rows)])
            #expect(check.status == 0 && check.stdout.hasPrefix("OK:"), "\(file): \(check.stdout)\(check.stderr)")
            #expect(check.stdout.contains("and 573 extension rows"), "\(file): \(check.stdout)")
        }
    }

    @Test func anExportOfManyPagesHasEveryRecordOnceInOrder() throws {
        // Given 4,500 records: three pages of a download, read, written and deflated a page apart
        let work = try Workspace()
        let rows = (1...4500).map { "NHMUK\($0),NHMUK,PH,Quercus robur,\(1900 + $0 % 100)" }
        let csv = try work.write("many.csv", (["catalogNumber,institutionCode,collectionCode,scientificName,year"] + rows).joined(separator: "\n"))
        #expect(try CLI.run(["import", "--db", work.db, csv]).status == 0)
        // When they are exported as an archive and as CSV
        let archive = try CLI.run(["export", "--db", work.db, "--format", "dwca", "--out", work.path("many.zip")])
        let table = try CLI.run(["export", "--db", work.db, "--format", "csv", "--out", work.path("many.csv.out")])
        // Then the archive reads whole, and the CSV has each record once, in the order they were imported
        #expect(archive.status == 0 && table.status == 0, "\(archive.stderr)\(table.stderr)")
        let script = CLI.packageRoot.appendingPathComponent("Tests/Downloads/check_dwca.py").path
        let check = try CLI.python([script, work.path("many.zip"), Workspace.fixture("dwca-meta-schema/tdwg_dwc_text.offline.xsd"), "4500"])
        #expect(check.status == 0 && check.stdout.hasPrefix("OK:"), "\(check.stdout)\(check.stderr)")
        let lines = try String(contentsOfFile: work.path("many.csv.out"), encoding: .utf8).split(separator: "\r\n")
        let column = try #require(lines.first?.split(separator: ",").firstIndex(of: "catalogNumber"))
        let catalogNumbers = lines.dropFirst().map { String($0.split(separator: ",")[column]) }
        #expect(catalogNumbers == (1...4500).map { "NHMUK\($0)" })
    }

    @Test func anExportWithABadSearchSaysWhy() throws {
        let work = try Workspace()
        let unknown = try CLI.run(["export", "--db", work.db, "--format", "xlsx"])
        #expect(unknown.status != 0 && unknown.stderr.contains("--format: one of csv, tsv, dwca, geojson, ndjson"))
        let bad = try CLI.run(["export", "--db", work.db, "--format", "csv", "--search", "year=soon"])
        #expect(bad.status != 0 && bad.stderr.contains("--search: year:"), "\(bad.stderr)")
    }
}
