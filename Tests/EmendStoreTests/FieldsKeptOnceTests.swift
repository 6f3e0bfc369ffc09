import EmendCore
import Foundation
import GRDB
import Testing

@testable import EmendStore

/// Migration 18: an imported version's fields are stored once, in its RecordImported event.
@Suite struct FieldsKeptOnceTests {
    @Test func importedVersionsLeaveTheirFieldsToTheLogAndRevisedOnesKeepTheirOwn() throws {
        // Given a dataset imported, then re-imported with one record revised
        let store = try Given.store()
        try Given.imported((1...3).map { Given.specimen($0) }, into: store)
        try Given.imported((1...3).map { Given.specimen($0, $0 == 2 ? ["locality": "Kew"] : [:]) }, into: store)
        // Then the records made by the import hold no fields of their own, the revised one does, and so does nothing
        // in record_history but the version the import made
        #expect(try store.count("SELECT count(*) FROM records WHERE fields IS NULL") == 2)
        #expect(try store.count("SELECT count(*) FROM records WHERE fields IS NOT NULL AND version = 2") == 1)
        #expect(try store.count("SELECT count(*) FROM record_history WHERE fields IS NULL") == 1)
        // And every reader sees the fields all the same
        let id = Identifiers.recordID(dataset: "test", key: "occ-1")
        #expect(try store.fields(of: id)?["catalogNumber"] == "BM1")
        #expect(try store.read { db in try RecordRow.fetch(id: id, db: db) }?.state.fields == Given.specimen(1).fields)
        #expect(try store.read { db in
            try String.fetchOne(db, sql: "SELECT \(RecordRow.fieldsSQL("records")) FROM records WHERE id = ?", arguments: [id])
        } == CanonicalJSON.string(JSONValue(Given.specimen(1).fields)))
        _ = try store.verify()
    }

    @Test func aDatabaseFromBeforeTheMigrationDropsTheCopiesAndKeepsItsCounts() throws {
        // Given a database file whose imported records hold a copy of their fields, as before migration 18
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("emend-fields-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var store: Store? = try Store(path: path)
        // (values with escapes among them, which SQLite might render differently from the canonical form)
        try Given.imported((1...4).map { Given.specimen($0, ["kingdom": "Plantae", "locality": "Zürich \"Nord\"\n\u{1}"]) }, into: store!)
        try store!.writer.write { db in
            try db.execute(
                sql: """
                    UPDATE records SET fields = (SELECT json_extract(data, '$.fields') FROM events WHERE events.seq = records.seq);
                    DELETE FROM grdb_migrations WHERE identifier = '18 imported fields kept once';
                    """)
        }
        let counts = try store!.count("SELECT sum(n) FROM record_counts WHERE dimension = 'kingdom' AND value = 'Plantae'")
        store = nil
        // When it is opened, and so migrated
        let migrated = try Store(path: path)
        // Then the copies are gone, the fields column may be NULL, the counts are as they were, and it verifies
        #expect(try migrated.count("SELECT count(*) FROM records WHERE fields IS NOT NULL") == 0)
        #expect(try migrated.count("SELECT \"notnull\" FROM pragma_table_info('records') WHERE name = 'fields'") == 0)
        #expect(try migrated.count("SELECT \"notnull\" FROM pragma_table_info('record_history') WHERE name = 'fields'") == 0)
        #expect(counts == 4)
        #expect(try migrated.count("SELECT sum(n) FROM record_counts WHERE dimension = 'kingdom' AND value = 'Plantae'") == 4)
        _ = try migrated.verify()
        // And the triggers count a new record by the fields it leaves to its event
        try Given.imported([Given.specimen(9, ["kingdom": "Plantae"])], into: migrated, dataset: "second")
        #expect(try migrated.count("SELECT sum(n) FROM record_counts WHERE dimension = 'kingdom' AND value = 'Plantae'") == 5)
    }
}
