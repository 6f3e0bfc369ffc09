import EmendCore
import EmendStore
import Foundation
import GRDB
import Testing

@Suite struct WALCheckpointTests {
    @Test func commitsLeaveTheWriteAheadLogToTheCheckpointer() async throws {
        // Given a database file whose writes no longer checkpoint
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emend-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Store(path: folder.appendingPathComponent("emend.sqlite").path)
        try store.leaveWALCheckpointsToCaller()
        // When 3,000 records are imported in small transactions, more than SQLite's 1,000-page threshold
        for batch in 0..<30 {
            try Given.imported((1...100).map { Given.specimen(batch * 100 + $0) }, into: store, dataset: "d\(batch)")
        }
        // Then the log still holds every frame, until the checkpointer copies them all into the file
        let (frames, checkpointed) = try await store.checkpointWAL()
        #expect(frames > 1000)
        #expect(checkpointed == frames)
        #expect(try store.verify().records == 3000)
    }

    @Test func aNewDatabaseFileHasSixteenKibibytePages() throws {
        // Given a new database file
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("emend-pages-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try Store(path: path)
        // When its pages are asked for
        let size = try store.read { try Int.fetchOne($0, sql: "PRAGMA page_size") }
        // Then they are 16 KiB: rows of a kilobyte fill them better than 4 KiB ones
        #expect(size == 16384)
    }
}
