import Crypto
import EmendCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The one owner of the SQLite database: the event log, the read models and the schema they live in.
/// Every write is one transaction that appends events and updates the read models they change.
public final class Store: Sendable {
    public let writer: any DatabaseWriter
    let clock: @Sendable () -> Timestamp
    /// Signs the log's checkpoints. It lives outside the database, so that a copy of the database alone cannot
    /// pass off a rewritten log as this one.
    let signingKey: Curve25519.Signing.PrivateKey
    /// Opens a connection of its own for checkpointing the write-ahead log (see `checkpointWAL`); none in memory.
    private let openWALCheckpointer: (@Sendable () throws -> DatabaseQueue)?
    /// That connection, once `leaveWALCheckpointsToCaller` opened it: until then the writer can have the file to
    /// itself for a bulk write (see `bulkWrite`).
    private let walCheckpointer = Mutex<DatabaseQueue?>(nil)

    /// Opens (creating when needed) the database at `path`, migrated to the current schema, and the checkpoint key
    /// at `keyPath` (default: `path` with `.key` added), made when there is none yet.
    public convenience init(
        path: String, keyPath: String? = nil, clock: @escaping @Sendable () -> Timestamp = Timestamp.now
    ) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Takes effect only in a new file. An imported record's event is about a kilobyte: 4 KiB pages hold
            // three of them and waste the rest (an import of 200,000 records: 29.1 s in 4 KiB pages, 25.8 s in
            // 16 KiB, and a database 5% smaller).
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536")
            // Readers map the file: a search or a facet touches thousands of pages, and each read() is a system call
            // and a copy. The writer does not, so that a bulk import's resident memory stays its own.
            if db.configuration.readonly { try db.execute(sql: "PRAGMA mmap_size = 2147418112") }
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw StoreError.busy("\(path) is locked by another process's import or replay, which has the file alone until it ends")
        }
        try self.init(
            writer: pool,
            signingKey: try Self.signingKey(at: keyPath ?? path + ".key"), clock: clock,
            openWALCheckpointer: { [configuration] in try DatabaseQueue(path: path, configuration: configuration) })
    }

    /// A private in-memory database, for tests.
    public static func inMemory(
        clock: @escaping @Sendable () -> Timestamp = Timestamp.now,
        signingKey: Curve25519.Signing.PrivateKey = Curve25519.Signing.PrivateKey()
    ) throws -> Store {
        try Store(writer: DatabaseQueue(), signingKey: signingKey, clock: clock)
    }

    init(
        writer: any DatabaseWriter, signingKey: Curve25519.Signing.PrivateKey, clock: @escaping @Sendable () -> Timestamp,
        openWALCheckpointer: (@Sendable () throws -> DatabaseQueue)? = nil
    ) throws {
        self.writer = writer
        self.signingKey = signingKey
        self.clock = clock
        self.openWALCheckpointer = openWALCheckpointer
        try Schema.migrator.migrate(writer)
    }

    /// SQLite checkpoints the write-ahead log in whichever connection commits past 1,000 pages, syncing the file
    /// while that connection holds the write lock, so every write queued behind it waits. A server calls this once
    /// and then `checkpointWAL()` on a schedule of its own: commits stop checkpointing.
    public func leaveWALCheckpointsToCaller() throws {
        try writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        if let openWALCheckpointer { try walCheckpointer.withLock { $0 = try $0 ?? openWALCheckpointer() } }
    }

    /// Copies the write-ahead log into the database file on a connection of its own: a passive checkpoint takes no
    /// write lock, so writes go on meanwhile. Returns the log's frames and how many of them are now in the file.
    @discardableResult
    public func checkpointWAL() async throws -> (frames: Int, checkpointed: Int) {
        guard let walCheckpointer = walCheckpointer.withLock({ $0 }) else { return (0, 0) }
        let result = try await walCheckpointer.writeWithoutTransaction { try $0.checkpoint(.passive) }
        return (result.walFrameCount, result.checkpointedFrameCount)
    }

    /// Appends events in one transaction; the read models they change are updated in the same transaction.
    /// Throws `StoreError.conflict` (and writes nothing) when a stream is not at the version the caller expects.
    public func write<T>(_ body: (inout LogTransaction) throws -> T) throws -> T {
        try writer.write { db in
            var log = try LogTransaction(db: db, now: clock(), signingKey: signingKey)
            return try body(&log)
        }
    }

    /// A write that touches much of the database (import, replay): one transaction with a larger page cache
    /// and a larger full-text buffer.
    /// It leaves write-ahead logging for a rollback journal when no other connection has the file open (the switch
    /// needs the file alone; when it cannot have it, the write goes through the WAL as any other). The WAL takes
    /// every page a transaction writes, and the commit's checkpoint copies each into the database again; a rollback
    /// journal takes only the pages that were in the file before, so a load into a new database writes its pages
    /// once (the commit of a million records' load: 1.6 s rather than 8.9 s). An interrupted write leaves a journal
    /// that the next connection rolls back, as it would discard a WAL's uncommitted frames.
    /// When the records table is empty at the start, its secondary indexes are dropped and built again at the
    /// end, in the same transaction: sorting once is far cheaper than a million random index inserts. So are the
    /// triggers that keep `record_counts` and `record_cells`: `body` then counts every record row it writes in the
    /// tally it is given (`Tally.add`), and the tables are filled from that.
    func bulkWrite<T>(clearingReadModels: Bool = false, _ body: (Database, inout RecordCounts.Tally) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            let rollbackJournal = (try? String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")) == "delete"
            defer { if rollbackJournal { try? db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL") } }
            // Synced before each write into the database file, as FULL has it, the journal survives a power cut too.
            if rollbackJournal { try db.execute(sql: "PRAGMA synchronous = FULL") }
            var result: T?
            try db.inTransaction {
                try db.execute(sql: "PRAGMA cache_size = -262144")
                defer { try? db.execute(sql: "PRAGMA cache_size = -65536") }
                if clearingReadModels { try Self.clearReadModels(db) }
                let deferred = try Self.dropRecordIndexesIfEmpty(db)
                let counts = deferred.isEmpty ? [] : try RecordCounts.dropTriggers(db)
                // FTS5 writes its pending index out as a new segment every 1 MiB of text by default, and merges
                // segments as they pile up: a million records loaded that way spend a tenth of the time merging.
                try db.execute(sql: "INSERT INTO records_fts (records_fts, rank) VALUES ('hashsize', 67108864)")
                var counted = RecordCounts.Tally()
                result = try body(db, &counted)
                try db.execute(sql: "INSERT INTO records_fts (records_fts, rank) VALUES ('hashsize', 1048576)")
                for index in deferred { try db.execute(sql: index) }
                if !counts.isEmpty { try RecordCounts.restoreTriggers(counts, counted: counted, db: db) }
                return .commit
            }
            return result!
        }
    }

    /// Drops the secondary indexes of an empty records table; returns the SQL that makes them again.
    private static func dropRecordIndexesIfEmpty(_ db: Database) throws -> [String] {
        guard try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM records)") == true else { return [] }
        let indexes = try Row.fetchAll(
            db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL")
        for index in indexes { try db.execute(sql: "DROP INDEX \(index["name"] as String)") }
        return indexes.map { $0["sql"] }
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }
}

extension Timestamp {
    @Sendable public static func now() -> Timestamp {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

/// The errors of the store, each a distinct case the server maps to one HTTP status.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The stream is not at the version the writer expected: somebody else wrote first.
    case conflict(stream: String, expected: Int64, actual: Int64)
    case notFound(String)
    case invalid(String)
    /// The user may not do this: a curator outside their scope, an auditor deciding.
    case forbidden(String)
    /// The log or a read model is not what it should be.
    case corrupt(seq: Int64?, reason: String)
    /// Another process has the database to itself for now (a bulk write through a rollback journal).
    case busy(String)

    public var description: String {
        switch self {
        case .conflict(let stream, let expected, let actual):
            return "\(stream) is at version \(actual), not \(expected): it changed in the meantime"
        case .notFound(let what): return "\(what) not found"
        case .forbidden(let reason): return reason
        case .invalid(let reason), .busy(let reason): return reason
        case .corrupt(let seq?, let reason): return "seq \(seq): \(reason)"
        case .corrupt(nil, let reason): return reason
        }
    }
}

extension Statement {
    /// Binds `values` and runs the statement with the SQLite C API. On bulk paths, GRDB's bookkeeping around each
    /// execution (argument boxing, observation, the statement cache) costs as much as SQLite's own insert.
    func executeBulk(_ values: [DatabaseValue], db: Database) throws {
        for (index, value) in values.enumerated() { bind(value, at: Int32(index + 1)) }
        try executeBound(db: db)
    }

    /// Binds one parameter (1-based) for `executeBound`.
    func bind(_ value: DatabaseValue, at position: Int32) {
        switch value.storage {
        case .null: sqlite3_bind_null(sqliteStatement, position)
        case .int64(let number): sqlite3_bind_int64(sqliteStatement, position, number)
        case .double(let number): sqlite3_bind_double(sqliteStatement, position, number)
        case .string(let text): sqlite3_bind_text(sqliteStatement, position, text, -1, transientText)
        case .blob(let data):
            _ = data.withUnsafeBytes { sqlite3_bind_blob(sqliteStatement, position, $0.baseAddress, Int32($0.count), transientText) }
        }
    }

    /// Binds UTF-8 bytes as text, or as a blob, without making a `String` or `Data` of them first.
    func bind(_ bytes: [UInt8], asText: Bool, at position: Int32) {
        _ = bytes.withUnsafeBufferPointer { buffer in
            asText
                ? sqlite3_bind_text(sqliteStatement, position, buffer.baseAddress, Int32(buffer.count), transientText)
                : sqlite3_bind_blob(sqliteStatement, position, buffer.baseAddress, Int32(buffer.count), transientText)
        }
    }

    /// Runs the statement with the parameters bound by `bind`, and readies it for the next ones.
    func executeBound(db: Database) throws {
        let code = sqlite3_step(sqliteStatement)
        sqlite3_reset(sqliteStatement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: sqlite3_extended_errcode(db.sqliteConnection)),
                message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
    }
}

/// SQLite copies the bound text before `sqlite3_bind_text` returns.
private let transientText = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Work handed to another thread, and its result waited for: bulk paths prepare the next batch of rows on the
/// second core while the SQLite writer writes the current one.
final class Pending<Value: Sendable>: @unchecked Sendable {
    private var result: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global().async {
            self.result = Result(catching: work)
            self.done.signal()
        }
    }

    /// The result, once the work is done.
    func value() throws -> Value {
        done.wait()
        // Let any later wait through too.
        done.signal()
        return try result!.get()
    }
}
