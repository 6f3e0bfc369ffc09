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
        // Then meta.xml is valid against the TDWG text schema and python-dwca-reader reads every row
        let schema = Workspace.fixture("dwca-meta-schema/tdwg_dwc_text.offline.xsd")
        let script = CLI.packageRoot.appendingPathComponent("Tests/Downloads/check_dwca.py").path
        for (file, rows) in [("all.zip", 1915), ("ghana.zip", 573)] {
            let check = try CLI.python([script, work.path(file), schema, String(rows)])
            #expect(check.status == 0 && check.stdout.hasPrefix("OK:"), "\(file): \(check.stdout)\(check.stderr)")
        }
    }

    @Test func anExportWithABadSearchSaysWhy() throws {
        let work = try Workspace()
        let unknown = try CLI.run(["export", "--db", work.db, "--format", "xlsx"])
        #expect(unknown.status != 0 && unknown.stderr.contains("--format: one of csv, tsv, dwca, geojson, ndjson"))
        let bad = try CLI.run(["export", "--db", work.db, "--format", "csv", "--search", "year=soon"])
        #expect(bad.status != 0 && bad.stderr.contains("--search: year:"), "\(bad.stderr)")
    }
}
