import Foundation
import Testing

@Suite(.serialized) struct CommandLineTests {
    @Test func importVerifyExportAndAnIndependentCheckOfTheChain() throws {
        // Given a database with two real archives imported
        let work = try Workspace()
        for archive in ["seltmann-gryonoides-ucsb-dwca.zip", "gbif-download-10.15468-dl.npd2js-cpmr-dwca.zip"] {
            let result = try CLI.run(["import", "--db", work.db, Workspace.fixture("dwca/real/\(archive)")])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("added:"))
        }
        // When it is verified and its log exported
        let verify = try CLI.run(["verify", "--db", work.db])
        let export = try CLI.run(["log", "export", "--db", work.db, "--out", work.path("log.ndjson")])
        // Then verify passes, and a script with none of Emend's code recomputes every hash
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("1915 records match the log"))
        #expect(export.status == 0)
        let independent = try CLI.python([CLI.packageRoot.appendingPathComponent("scripts/verify_log.py").path, work.path("log.ndjson")])
        #expect(independent.status == 0, "\(independent.stdout)")
        #expect(independent.stdout.hasPrefix("OK: 1917 events"))
        // And the auditor console will show the verify's result
        let kept = try CLI.python(["-c", "import sqlite3; print(sqlite3.connect('\(work.db)').execute('SELECT ok, events FROM verify_runs').fetchall())"])
        #expect(kept.stdout == "[(1, 1917)]\n", "\(kept.stderr)")
    }

    @Test func suggestFilesMachineSuggestionsOnceAndVerifyStillPasses() throws {
        // Given the UCSB wasps, whose trinomials are ranked as species
        let work = try Workspace()
        try CLI.run(["import", "--db", work.db, Workspace.fixture("dwca/real/seltmann-gryonoides-ucsb-dwca.zip")])
        // When the quality bot runs, twice
        let first = try CLI.run(["suggest", "--db", work.db])
        let second = try CLI.run(["suggest", "--db", work.db])
        // Then the first files suggestions and prints them by rule, the second checks nothing, and verify passes
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Checked 1342 record versions"), "\(first.stdout)")
        #expect(first.stdout.contains("  TAXON_RANK_INCONSISTENT: 331"), "\(first.stdout)")
        #expect(second.stdout.contains("Checked 0 record versions"), "\(second.stdout)")
        #expect(second.stdout.contains("Filed 0 suggestions"))
        #expect(try CLI.run(["verify", "--db", work.db]).status == 0)
    }

    @Test func theIndependentCheckNamesATamperedEvent() throws {
        let work = try Workspace()
        try CLI.run(["import", "--db", work.db, Workspace.fixture("dwca/real/seltmann-gryonoides-ucsb-dwca.zip")])
        try CLI.run(["log", "export", "--db", work.db, "--out", work.path("log.ndjson")])
        var lines = try String(contentsOfFile: work.path("log.ndjson"), encoding: .utf8).split(separator: "\n").map(String.init)
        lines[41] = lines[41].replacingOccurrences(of: #""occurrenceID":""#, with: #""occurrenceID":"x"#)
        try (lines.joined(separator: "\n") + "\n").write(toFile: work.path("log.ndjson"), atomically: true, encoding: .utf8)
        let independent = try CLI.python([CLI.packageRoot.appendingPathComponent("scripts/verify_log.py").path, work.path("log.ndjson")])
        #expect(independent.status == 1)
        #expect(independent.stdout == "FAILED: seq 42: hash does not match the event\n")
    }

    @Test func verifyExitsNonZeroNamingTheAlteredSeq() throws {
        let work = try Workspace()
        try CLI.run(["import", "--db", work.db, Workspace.fixture("dwca/real/seltmann-gryonoides-ucsb-dwca.zip")])
        let tamper = try CLI.python([
            "-c",
            """
            import sqlite3; c = sqlite3.connect('\(work.db)'); c.execute('DROP TRIGGER events_append_only_update')
            c.execute('UPDATE events SET data = replace(data, ?, ?) WHERE seq = 100', ('"occurrenceID":"', '"occurrenceID":"x')); c.commit()
            """,
        ])
        #expect(tamper.status == 0, "\(tamper.stderr)")
        let verify = try CLI.run(["verify", "--db", work.db])
        #expect(verify.status != 0)
        #expect(verify.stderr.contains("seq 100: hash mismatch"))
        let kept = try CLI.python(["-c", "import sqlite3; print(sqlite3.connect('\(work.db)').execute('SELECT ok, summary FROM verify_runs').fetchone())"])
        #expect(kept.stdout.hasPrefix("(0, ") && kept.stdout.contains("seq 100"), "\(kept.stdout)")
    }

    @Test func aFatalProblemNamesFileAndLineAndImportsNothing() throws {
        // Given a CSV whose third line opens a quote that never closes
        let work = try Workspace()
        let csv = try work.write("bad.csv", "occurrenceID,scientificName\no1,Quercus robur\no2,\"Quercus\no3,Fagus\n")
        // When it is imported
        let result = try CLI.run(["import", "--db", work.db, csv])
        // Then the import fails saying where and why, and the database holds nothing
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.csv line 3: a quoted value is never closed; nothing was imported"))
        #expect(try CLI.run(["verify", "--db", work.db]).stdout.contains("OK: 0 events"))
    }

    @Test func reimportReportsChangesAndMissingRecords() throws {
        let work = try Workspace()
        let first = try work.write("nhm.csv", "occurrenceID,scientificName,country\no1,Quercus robur,UK\no2,Fagus,UK\no3,Pinus,UK\n")
        try CLI.run(["import", "--db", work.db, first])
        let second = try work.write("nhm.csv", "occurrenceID,scientificName,country\no1,Quercus robur,UK\no2,Fagus sylvatica,UK\n")
        let result = try CLI.run(["import", "--db", work.db, second])
        #expect(result.stdout.contains("revised:    1"))
        #expect(result.stdout.contains("unchanged:  1"))
        #expect(result.stdout.contains("missing:    1"))
        #expect(try CLI.run(["verify", "--db", work.db]).status == 0)
    }

    @Test func killedMidImportLeavesASoundDatabaseWithNoneOfIt() throws {
        // Given a database with one import, and a CSV of 24,000 records of 12 KB each: enough that an import's pages
        // reach the database's files long before it commits
        let work = try Workspace()
        try CLI.run(["import", "--db", work.db, try work.write("small.csv", "occurrenceID,country\na,UK\n")])
        let big = work.path("big.csv")
        let made = try CLI.python([
            "-c",
            """
            with open('\(big)', 'w') as f:
                f.write('occurrenceID,scientificName,locality,occurrenceRemarks\\n')
                for i in range(24000): f.write(f'occ{i},Quercus robur {i},Somewhere {i % 977},{str(i) * (12000 // len(str(i)))}\\n')
            """,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        // When an import of it is killed with SIGKILL once it has written pages: to the database file itself (through
        // a rollback journal, when it has the file to itself), or to the write-ahead log
        let sizeBefore = Self.size(work.db)
        let process = try CLI.start(["import", "--db", work.db, big])
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning, Self.size(work.db) < sizeBefore + 20_000_000,
            Self.size(work.db + "-wal") < 20_000_000
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(process.isRunning, "the import finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // Then the database opens, verifies, and holds only the first import
        let verify = try CLI.run(["verify", "--db", work.db])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("OK: 2 events chained, 1 records match the log"))
    }

    private static func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    @Test func userAddPrintsATokenOnItsLastLine() throws {
        let work = try Workspace()
        let result = try CLI.run(["user", "add", "alice", "--db", work.db, "--role", "curator", "--scope", "NHMUK:BOT"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").last?.hasPrefix("emend_") == true)
        let refused = try CLI.run(["user", "add", "bob", "--db", work.db, "--role", "king"])
        #expect(refused.status != 0 && refused.stderr.contains("--role must be one of contributor, curator, admin, auditor"))
    }

    @Test func helpExplainsEachCommand() throws {
        let help = try CLI.run(["help"])
        for command in ["import", "export", "serve", "user", "log", "replay", "verify", "checkpoint", "bench"] {
            #expect(help.stdout.contains("  \(command)"), "missing \(command)")
        }
        #expect(try CLI.run(["help", "import"]).stdout.contains("all or nothing"))
    }

    @Test func theQualityBenchScoresTheChecksAgainstATruthFile() throws {
        // Given three records, one at 0,0 and one collected in the future, and the truth file that says so
        let work = try Workspace()
        let csv = try work.write(
            "specimens.csv",
            """
            catalogNumber,country,countryCode,decimalLatitude,decimalLongitude,eventDate
            BM1,United Kingdom,GB,51.5,-0.12,1901-05-01
            BM2,United Kingdom,GB,0,0,1901-05-01
            BM3,United Kingdom,GB,51.5,-0.12,2031-05-01
            """)
        let truth = try work.write("errors.csv", "catalogNumber,error\nBM2,zero_coords\nBM3,future_date\n")
        // When the checks are scored
        let bench = try CLI.run(["bench", "quality", csv, "--truth", truth])
        // Then each injected error is found, and nothing else
        #expect(bench.status == 0, "\(bench.stderr)")
        #expect(bench.stdout.contains("zero_coords (ZERO_COORDINATE): TP 1, FP 0, FN 0, precision 100.0%, recall 100.0%"), "\(bench.stdout)")
        #expect(bench.stdout.contains("future_date (RECORDED_DATE_UNLIKELY): TP 1, FP 0, FN 0"))
        #expect(bench.stdout.contains("µs per record"))
    }
}