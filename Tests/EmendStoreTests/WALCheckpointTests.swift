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

    @Test func aBulkImportWithTheFileToItselfWritesPagesOnceThroughARollbackJournal() throws {
        // Given a new database file that no other connection has open
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("emend.sqlite").path
        let store = try Store(path: path)
        // When 3,000 records are imported
        try Given.imported((1...3000).map { Given.specimen($0) }, into: store)
        // Then none of their pages went through the write-ahead log, the file is back in WAL mode, and it verifies
        #expect(Self.size(path + "-wal") == 0)
        #expect(try store.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try store.verify().records == 3000)
        #expect(!FileManager.default.fileExists(atPath: path + "-journal"))
    }

    @Test func aBulkImportBesideAnotherConnectionGoesThroughTheWriteAheadLog() throws {
        // Given a database file that another connection has open and has read
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("emend.sqlite").path
        let store = try Store(path: path)
        let other = try DatabaseQueue(path: path)
        #expect(try other.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM events") } == 0)
        // When 3,000 records are imported
        try Given.imported((1...3000).map { Given.specimen($0) }, into: store)
        // Then they went through the write-ahead log as any write does, and the other connection reads them
        #expect(Self.size(path + "-wal") > 0)
        #expect(try other.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM records") } == 3000)
        #expect(try store.verify().records == 3000)
    }

    @Test func aDatabaseAnotherProcessImportsIntoAloneIsRefusedSayingSo() throws {
        // Given a database file that another connection writes through a rollback journal, as a bulk import does
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("emend.sqlite").path
        _ = try Store(path: path)
        let importer = try DatabaseQueue(path: path)
        try importer.writeWithoutTransaction { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") == "delete")
            try db.inTransaction(.immediate) {
                // When a store opens it meanwhile
                // Then it is refused, saying why
                #expect(throws: StoreError.busy("\(path) is locked by another process's import or replay, which has the file alone until it ends")) {
                    try Store(path: path)
                }
                return .rollback
            }
        }
    }

    private static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emend-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private static func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
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
