import EmendCore
import EmendInterchange
import EmendStore
import Foundation
import Testing

/// Every fixture archive that the reader accepts goes through the store: imported, verified, and imported again
/// without a change.
@Suite struct ArchiveImportTests {
    static let archives: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/dwca")
        return ["real", "edge-cases"].flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? [])
                .sorted().map { root.appendingPathComponent("\(folder)/\($0)").path }
        }
    }()

    @Test(arguments: archives)
    func importsVerifiesAndReimportsWithoutChange(archive: String) throws {
        // Given an archive the reader accepts (the refused ones are covered by the interchange tests)
        guard var first = try? DarwinCoreSource.open(path: archive) else { return }
        let store = try Given.store()
        // When it is imported twice
        let summary = try store.importRecords(from: &first, source: Given.source("archive"))
        var second = try DarwinCoreSource.open(path: archive)
        let again = try store.importRecords(from: &second, source: Given.source("archive"))
        // Then every record with an id is added once, the log verifies, and the second import changes nothing
        let skipped = summary.count(.missingID) + summary.count(.duplicateID)
        #expect(summary.added == summary.rows - skipped)
        #expect(try store.verify().records == Int64(summary.added))
        #expect(again.added == 0 && again.revised == 0 && again.missing == 0)
        #expect(again.unchanged == summary.added)
    }
}
