import Crypto
import EmendCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

public struct VerifyReport: Sendable, Equatable {
    public var events: Int64
    public var records: Int64
    /// Checkpoints whose root, signature and frontier match the log.
    public var checkpoints: Int
    public var latestCheckpoint: Checkpoint?
    /// A digest of the read models: equal for databases built from the same log.
    public var checksum: String
}

extension Store {
    /// Checks that the hash chain is unbroken, that every checkpoint is signed and holds the Merkle root of the
    /// events it covers, and that the read models are what a fresh replay of the log gives.
    /// Throws `StoreError.corrupt` naming the first bad `seq`. Slices of the log are checked side by side, each on its
    /// own reader, to use every core: the chain, and the rows of records its events create.
    /// `chainSliceWidth` (a power of two, at least `Checkpoints.blockSize`) is there for tests: the width of the
    /// log's slices, else `sliceWidth(events:cores:)`.
    public func verify(
        progress: @escaping @Sendable (String, Int64) -> Void = { _, _ in }, chainSliceWidth: Int64? = nil
    ) throws -> VerifyReport {
        let (events, tree) = try read { db in
            // Each from its own end of the table: SQLite looks up a lone min() or max() of the key, but scans the whole
            // log for the two together (a fifth of a second for a million events, with one core waiting).
            let seqs = try Row.fetchOne(db, sql: "SELECT (SELECT min(seq) FROM events) AS first, (SELECT max(seq) FROM events) AS last")
            // Seq 1 is where the chain starts: a log whose first event is not 1 misses it.
            if let first = seqs?["first"] as Int64?, first < 1 { throw StoreError.corrupt(seq: 1, reason: "missing from the log") }
            return ((seqs?["last"] as Int64?) ?? 0, try StoredTree(db))
        }
        // Slices of the log, checked side by side on readers of their own, as many as there are cores, each taking the
        // next slice as it finishes one. The flag index goes first, beside the first slices, rather than after the last;
        // the small read models are rebuilt at the end from the events the slices found for them.
        let width = chainSliceWidth ?? Self.sliceWidth(events: events, cores: ProcessInfo.processInfo.activeProcessorCount)
        precondition(width >= Checkpoints.blockSize && width.nonzeroBitCount == 1)
        let slices = Int((events + width - 1) / width)
        let checked = Mutex<[LogSlice?]>(Array(repeating: nil, count: slices))
        let eventsDone = Atomic<Int64>(0)
        let flagIndex = Mutex<Result<FlagIndex, any Error>?>(nil)
        let failure = Mutex<(any Error)?>(nil)
        let key = publicKey
        let tasks: [VerifyTask] = [.flagIndex] + (0..<slices).map { .log($0) }
        DispatchQueue.concurrentPerform(iterations: tasks.count) { task in
            switch tasks[task] {
            case .log(let index):
                let leaves = Int64(index) * width..<min(events, Int64(index + 1) * width)
                do {
                    let slice = try read { try Self.verifySlice($0, leaves: leaves, tree: tree, key: key) }
                    checked.withLock { $0[index] = slice }
                    progress("events", eventsDone.add(Int64(leaves.count), ordering: .relaxed).newValue)
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
            case .flagIndex:
                let result = Result { try read { try FlagIndex(readingTableOf: $0) } }
                flagIndex.withLock { $0 = result }
            }
        }
        // A reader that failed (SQLite's own errors) is reported as it is.
        if let error = failure.withLock({ $0 }) { throw error }
        let slicesInOrder = checked.withLock { $0 }.map { $0! }
        let chainSummary = try Self.chain(slicesInOrder, width: width, tree: tree, events: events)
        return try read { db in
            let records = try Self.records(slicesInOrder, db: db)
            // Every version the log supersedes was found in record_history; nothing else may be there.
            let historyRows = try Int64.fetchOne(db, sql: "SELECT count(*) FROM record_history") ?? 0
            guard historyRows == records.superseded else {
                throw StoreError.corrupt(
                    seq: nil,
                    reason: "the log supersedes \(records.superseded) record versions; record_history has \(historyRows)")
            }
            // record_flags indexes the flags of records: its entries are their flags, each (code, rowid) once.
            let flags = try flagIndex.withLock { $0! }.get()
            guard flags.entries == records.flagIndex.entries else {
                throw StoreError.corrupt(
                    seq: nil, reason: "record_flags has \(flags.entries) entries; the records have \(records.flagIndex.entries) flags")
            }
            guard flags == records.flagIndex else {
                throw StoreError.corrupt(seq: nil, reason: "record_flags has entries that are not its records' flags")
            }
            var checksum = try Self.verifySmallReadModels(
                db, events: slicesInOrder.flatMap(\.smallModelEvents), recordsByDataset: records.byDataset)
            checksum.add(records.digest)
            try RecordCounts.verify(db, expected: records.tally)
            return VerifyReport(
                events: chainSummary.events, records: records.count, checkpoints: chainSummary.checkpoints,
                latestCheckpoint: chainSummary.latestCheckpoint, checksum: checksum.hex)
        }
    }

    /// The records the slices checked, added up in the order of the log. Each slice checked the rows of records its
    /// RecordImported events created, one after another in rowid order, from the row of its first; so every row was
    /// checked, once, and the rowids follow the order of creation (time travel relies on it, and a replay gives it),
    /// when each slice's rows begin where the slice before left off, at the first row of the table, and end at its last.
    private static func records(_ slices: [LogSlice], db: Database) throws -> RecordsSummary {
        var next = try Int64.fetchOne(db, sql: "SELECT min(rowid) FROM records")
        var summary = RecordsSummary()
        for slice in slices {
            guard let first = slice.firstRowid else { continue }
            guard first == next else { throw StoreError.recordsOutOfOrder }
            next = slice.nextRowid
            summary.add(slice.records)
        }
        if let stray = next {
            let id = try String.fetchOne(db, sql: "SELECT id FROM records WHERE rowid = ?", arguments: [stray]) ?? ""
            throw StoreError.corrupt(seq: nil, reason: "records has \(id), which the log never created")
        }
        return summary
    }

    /// What verify does, each on a reader of its own, side by side.
    private enum VerifyTask {
        case log(Int), flagIndex
    }

    /// The entries of record_flags, or the flags of records that it must hold: for each code, the rowids of the
    /// records flagged with it, rising. The slices find them in rowid order, and the table's primary key gives them in
    /// that order too, so the two are compared as they are: looking up each entry's record was a fortieth of verify's
    /// CPU, and a digest of each entry a fortieth again.
    private struct FlagIndex: Equatable {
        private var rowids: [String: [Int64]] = [:]
        private(set) var entries: Int64 = 0

        init() {}

        init(readingTableOf db: Database) throws {
            let statement = try db.makeStatement(sql: "SELECT code, record_rowid FROM record_flags ORDER BY code, record_rowid")
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            // The rowids of one code at a time, which the order keeps together.
            var code = "", codeBytes: [UInt8] = [], codeRowids: [Int64] = []
            while try step(statement, db: db) {
                if !equal(codeBytes, bytes(handle, 0)) {
                    if !codeRowids.isEmpty { rowids[code] = codeRowids }
                    codeBytes = Array(bytes(handle, 0))
                    code = text(handle, 0)
                    codeRowids = rowids[code] ?? []
                }
                codeRowids.append(sqlite3_column_int64(handle, 1))
                entries += 1
            }
            if !codeRowids.isEmpty { rowids[code] = codeRowids }
        }

        /// The flags of a record, which the slices find in the order of rowids.
        mutating func add(_ codes: [QualityCode], of rowid: Int64) {
            for code in codes { rowids[code.rawValue, default: []].append(rowid) }
            entries += Int64(codes.count)
        }

        /// Adds the flags of the records after these.
        mutating func add(_ other: FlagIndex) {
            for (code, after) in other.rowids { rowids[code, default: []].append(contentsOf: after) }
            entries += other.entries
        }
    }

    private struct ChainSummary {
        var events: Int64 = 0
        var checkpoints = 0
        var latestCheckpoint: Checkpoint?
    }

    private struct RecordsSummary {
        var count: Int64 = 0
        /// Versions in record_history, each checked against the fold of its record's stream.
        var superseded: Int64 = 0
        /// The counts of the current versions, which record_counts and record_cells must hold.
        var tally = RecordCounts.Tally()
        /// The current versions by dataset, which `datasets.record_count` must hold.
        var byDataset: [String: Int64] = [:]
        /// The digest of the rows of records and record_history, by blocks of the log.
        var digest = RowDigest()
        /// The quality flags of the current versions, by rowid, which record_flags must hold.
        var flagIndex = FlagIndex()

        mutating func add(_ other: RecordsSummary) {
            count += other.count
            superseded += other.superseded
            tally.add(other.tally)
            digest.add(other.digest)
            flagIndex.add(other.flagIndex)
            byDataset.merge(other.byDataset, uniquingKeysWith: +)
        }
    }

    /// Events per slice of the chain: a power of two, and a multiple of `Checkpoints.blockSize`, so that the leaves of
    /// a slice are whole subtrees of the Merkle tree and each slice folds its part of the tree on its own.
    static func sliceWidth(events: Int64, cores: Int) -> Int64 {
        // Thirty-two slices a core at least, so that the cores finish close together (a log of 100,000 events in two
        // slices kept one core busy for two thirds of the time; a million in 31 could leave one idle for a third of a
        // second at the end), and none wider than 65,536 events.
        let wanted = events / Int64(32 * max(1, cores))
        guard wanted > Checkpoints.blockSize else { return Checkpoints.blockSize }
        return min(1 << 16, 1 << (63 - wanted.leadingZeroBitCount))
    }

    /// The checkpoints and block roots stored beside the log, which the chain's slices check as they reach them.
    private struct StoredTree: Sendable {
        /// By tree size, the smallest first.
        var checkpoints: [(checkpoint: Checkpoint, frontier: [UInt8])]
        var blocks: [Int64: [UInt8]]

        init(_ db: Database) throws {
            checkpoints = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM checkpoints ORDER BY tree_size")).map {
                (Checkpoints.checkpoint($0), [UInt8]($0["frontier"] as Data))
            }
            blocks = try Row.fetchAll(db.cachedStatement(sql: "SELECT block, root_hash FROM merkle_blocks")).reduce(into: [:]) {
                $0[$1["block"]] = [UInt8]($1["root_hash"] as Data)
            }
        }
    }

    /// What one slice of the log gives: events `leaves.lowerBound + 1` to `leaves.upperBound`, chained from the stored
    /// hash of the event before, their part of the Merkle tree, and the records they create.
    private struct LogSlice: Sendable {
        var leaves: Range<Int64>
        /// The rows of records the slice's RecordImported events created, each checked against its record's stream.
        var records = RecordsSummary()
        /// The rowid of the first of those rows, and of the row of records after the last (nil: none).
        var firstRowid: Int64?
        var nextRowid: Int64?
        /// The seqs of the slice's events that the small read models are made from (`smallModelTypes`).
        var smallModelEvents: [Int64] = []
        /// The first thing wrong in the slice, and the seq being read when it was found; the slice stops there.
        var failure: StoreError?
        /// The roots of the slice's perfect subtrees, 32 bytes each, the largest first: one root for a whole slice.
        var frontier: [UInt8] = []
        /// Each stored checkpoint whose tree ends in the slice (its index in `StoredTree.checkpoints`), with the
        /// slice's part of the tree's frontier then and whether the checkpoint's signature verifies.
        var reached: [(index: Int, frontier: [UInt8], signed: Bool)] = []

        init(leaves: Range<Int64>) { self.leaves = leaves }
    }

    /// The chain and the Merkle tree over it that the checkpoints sign. Event n's hash must be SHA-256 of event n - 1's
    /// stored hash and n's canonical bytes: checked for every n, that is the chain itself, so slices of the log are
    /// checked side by side, each from the stored hash before it. Each slice folds its whole subtrees of the tree and
    /// checks the block roots in it; `chain(_:width:tree:events:)` joins the slices in order, checking each checkpoint
    /// where its tree ends, and reports whatever is wrong first along the log, as one pass from seq 1 would.
    private static func chain(_ slices: [LogSlice], width: Int64, tree: StoredTree, events: Int64) throws -> ChainSummary {
        var summary = ChainSummary()
        // The roots of the whole slices so far, each a subtree `width` leaves wide.
        var whole = FlatFrontier()
        // A checkpoint of no events is never reached, and those after it wait behind it, as one pass would have them.
        let blocked = tree.checkpoints.first.map { $0.checkpoint.treeSize < 1 } ?? false
        for slice in slices {
            for reached in slice.reached where !blocked {
                let (checkpoint, stored) = tree.checkpoints[reached.index]
                let frontier = whole.bytes + reached.frontier
                let root = FlatFrontier.root(of: frontier)
                let name = "the checkpoint of tree size \(checkpoint.treeSize) (\(checkpoint.timestamp.rfc3339))"
                guard checkpoint.rootHash == root else {
                    throw StoreError.corrupt(
                        seq: nil,
                        reason: "\(name) signed the root \(checkpoint.rootHash.hexString), but events 1 to \(checkpoint.treeSize) give \(root.hexString)")
                }
                guard reached.signed else {
                    throw StoreError.corrupt(seq: nil, reason: "\(name): its signature does not verify with the checkpoint key")
                }
                guard stored == frontier else {
                    throw StoreError.corrupt(seq: nil, reason: "\(name): its stored frontier differs from the log's")
                }
                summary.checkpoints += 1
                summary.latestCheckpoint = checkpoint
            }
            if let failure = slice.failure { throw failure }
            summary.events = slice.leaves.upperBound
            if Int64(slice.leaves.count) == width {
                slice.frontier.withUnsafeBytes { _ = whole.append($0) }
            }
        }
        let unreached = blocked ? tree.checkpoints[...] : tree.checkpoints.drop { $0.checkpoint.treeSize <= events }
        if let last = unreached.last?.checkpoint {
            throw StoreError.corrupt(
                seq: nil, reason: "the log has \(events) events but the checkpoint of \(last.timestamp.rfc3339) covers \(last.treeSize)")
        }
        let formed = 0..<(events / Checkpoints.blockSize)
        if let block = tree.blocks.keys.filter({ !formed.contains($0) }).min() {
            throw StoreError.corrupt(seq: nil, reason: "merkle_blocks has a root for events past the end of the log (block \(block))")
        }
        return summary
    }

    /// One slice of the log, read with the C API straight from SQLite's buffers: this loop runs once per event. Each
    /// RecordImported event is the creation of the next row of records, which is checked as the event is read.
    private static func verifySlice(
        _ db: Database, leaves: Range<Int64>, tree: StoredTree, key: Curve25519.Signing.PublicKey
    ) throws -> LogSlice {
        var slice = LogSlice(leaves: leaves)
        var previous = HashChain.genesis
        var recordedAt = (milliseconds: Int64.min, json: [UInt8](#""""#.utf8))
        if leaves.lowerBound > 0 {
            let before = try db.makeStatement(sql: "SELECT hash, recorded_at FROM events WHERE seq = ?")
            sqlite3_bind_int64(before.sqliteStatement, 1, leaves.lowerBound)
            defer { sqlite3_reset(before.sqliteStatement) }
            guard try step(before, db: db) else {
                // The slice before finds it missing first.
                slice.failure = StoreError.corrupt(seq: leaves.lowerBound, reason: "missing from the log")
                return slice
            }
            previous = Array(bytes(before.sqliteStatement, 0))
            let milliseconds = sqlite3_column_int64(before.sqliteStatement, 1)
            if milliseconds != recordedAt.milliseconds { recordedAt = (milliseconds, quoted(Timestamp(milliseconds: milliseconds).rfc3339)) }
        }
        let statement = try db.makeStatement(
            sql: """
                SELECT seq, id, stream, stream_version, type, recorded_at, actor, data, hash FROM events
                WHERE seq > ? AND seq <= ? ORDER BY seq
                """)
        let handle = statement.sqliteStatement
        sqlite3_bind_int64(handle, 1, leaves.lowerBound)
        sqlite3_bind_int64(handle, 2, leaves.upperBound)
        defer { sqlite3_reset(handle) }
        var next = tree.checkpoints.firstIndex { $0.checkpoint.treeSize > leaves.lowerBound } ?? tree.checkpoints.count
        var frontier = FlatFrontier()
        var block = [UInt8](repeating: 0, count: 32)
        // The hash before, then canonical(e), written into one buffer and hashed in one call: its data is copied in,
        // which costs less than two more calls to the hash function, each with a partial block to carry over.
        var canonical: [UInt8] = []
        canonical.reserveCapacity(2048)
        var created = try CreatedRecords(db)
        var expected = leaves.lowerBound + 1
        while try step(statement, db: db) {
            let seq = sqlite3_column_int64(handle, 0)
            guard seq == expected else {
                slice.failure = StoreError.corrupt(seq: expected, reason: "missing from the log")
                return slice
            }
            let milliseconds = sqlite3_column_int64(handle, 5)
            if milliseconds != recordedAt.milliseconds {
                // Times never go back along the log: `asOf` a time finds its seq by bisection.
                guard milliseconds > recordedAt.milliseconds else {
                    slice.failure = StoreError.corrupt(seq: seq, reason: "recorded before the event before it")
                    return slice
                }
                recordedAt = (milliseconds, quoted(Timestamp(milliseconds: milliseconds).rfc3339))
            }
            canonical.removeAll(keepingCapacity: true)
            canonical.append(contentsOf: previous)
            append(#"{"actor":"#, to: &canonical)
            appendJSONString(handle, 6, to: &canonical)
            append(#","data":"#, to: &canonical)
            canonical.append(contentsOf: bytes(handle, 7))
            append(#","id":"#, to: &canonical)
            appendJSONString(handle, 1, to: &canonical)
            append(#","recordedAt":"#, to: &canonical)
            canonical.append(contentsOf: recordedAt.json)
            append(#","seq":"#, to: &canonical)
            CanonicalJSON.writeInteger(seq, into: &canonical)
            append(#","stream":"#, to: &canonical)
            appendJSONString(handle, 2, to: &canonical)
            append(#","streamVersion":"#, to: &canonical)
            CanonicalJSON.writeInteger(sqlite3_column_int64(handle, 3), into: &canonical)
            append(#","type":"#, to: &canonical)
            appendJSONString(handle, 4, to: &canonical)
            canonical.append(UInt8(ascii: "}"))
            let hash = canonical.withUnsafeBytes { sha256($0) }
            guard hash.withUnsafeBytes({ equal($0.bindMemory(to: UInt8.self), bytes(handle, 8)) }) else {
                slice.failure = StoreError.corrupt(seq: seq, reason: "hash mismatch: the event or the one before it was altered")
                return slice
            }
            previous.removeAll(keepingCapacity: true)
            hash.withUnsafeBytes { previous.append(contentsOf: $0) }
            // The event's leaf: SHA-256(0x00 ‖ hash).
            let leaf = withUnsafeTemporaryAllocation(byteCount: 33, alignment: 1) { buffer in
                buffer[0] = 0x00
                hash.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1...]).copyMemory(from: $0) }
                return sha256(UnsafeRawBufferPointer(buffer))
            }
            let formedBlock = leaf.withUnsafeBytes { frontier.append($0, watching: Checkpoints.blockSize, root: &block) }
            if formedBlock, let stored = tree.blocks[seq / Checkpoints.blockSize - 1], stored != block {
                slice.failure = StoreError.corrupt(
                    seq: nil, reason: "merkle_blocks: the root of events \(seq - Checkpoints.blockSize + 1) to \(seq) differs from the log's")
                return slice
            }
            while next < tree.checkpoints.count, tree.checkpoints[next].checkpoint.treeSize == seq {
                slice.reached.append((next, frontier.bytes, tree.checkpoints[next].checkpoint.isSigned(by: key)))
                next += 1
            }
            if isRecordImported(handle, 4) {
                do {
                    try created.check(event: handle, db: db, into: &slice.records)
                } catch let error as StoreError {
                    slice.failure = error
                    return slice
                }
            } else if smallModelTypes.contains(text(handle, 4)) {
                slice.smallModelEvents.append(seq)
            }
            if seq % Checkpoints.blockSize == 0 { slice.records.digest.endBlock() }
            expected += 1
        }
        // The log's last block, when it is not whole.
        slice.records.digest.endBlock()
        if expected <= leaves.upperBound {
            slice.failure = StoreError.corrupt(seq: expected, reason: "missing from the log")
        }
        slice.frontier = frontier.bytes
        slice.firstRowid = created.firstRowid
        slice.nextRowid = try created.nextRowid(db: db)
        return slice
    }

    /// A literal's bytes, as they are: a String's `utf8` view appends one byte at a time.
    private static func append(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// A string in JSON as canonical JSON writes it.
    private static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        CanonicalJSON.writeString(text, into: &out)
        return out
    }

    /// A text column as `CanonicalJSON.writeString` writes the String it decodes to: as it is, in quotes, when it is
    /// ASCII with nothing to escape, as nearly every column is.
    private static func appendJSONString(_ handle: SQLiteStatement, _ column: Int32, to out: inout [UInt8]) {
        let text = bytes(handle, column)
        if isPlainASCII(text) {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: text)
            out.append(UInt8(ascii: "\""))
        } else {
            CanonicalJSON.writeString(String(decoding: text, as: UTF8.self), into: &out)
        }
    }

    /// Whether text is ASCII with nothing JSON escapes: eight bytes at a time.
    private static func isPlainASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var position = 0
        if let base = text.baseAddress {
            while position + 8 <= text.count {
                let word = UnsafeRawPointer(base).loadUnaligned(fromByteOffset: position, as: UInt64.self)
                guard jsonSpecialBytes(in: word) | word & 0x8080_8080_8080_8080 == 0 else { return false }
                position += 8
            }
        }
        return text[position...].allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }

    private static let recordImported = Array(EventType.recordImported.utf8)

    /// Whether a text column, decoded, equals `RecordState.stream(id)`, where `id` is the record column's text.
    private static func isStream(
        _ handle: SQLiteStatement, _ column: Int32, ofRecord record: SQLiteStatement, _ idColumn: Int32, id: String
    ) -> Bool {
        let text = bytes(handle, column), idText = bytes(record, idColumn)
        if text.count == recordPrefix.count + idText.count, equal(recordPrefix, UnsafeBufferPointer(rebasing: text[..<recordPrefix.count])),
            equal(UnsafeBufferPointer(rebasing: text[recordPrefix.count...]), idText)
        {
            return true
        }
        // Text that differs byte for byte may still be equal as Strings (equivalent Unicode, repaired UTF-8).
        return (text.contains { $0 >= 0x80 } || idText.contains { $0 >= 0x80 })
            && String(decoding: text, as: UTF8.self) == RecordState.stream(id)
    }

    private static let recordPrefix = Array(RecordState.stream("").utf8)

    /// Whether a text column, decoded, equals `EventType.recordImported`.
    private static func isRecordImported(_ handle: SQLiteStatement, _ column: Int32) -> Bool {
        let text = bytes(handle, column)
        if equal(recordImported, text) { return true }
        // Only text that is not ASCII could still be equal as a String.
        return text.contains { $0 >= 0x80 } && String(decoding: text, as: UTF8.self) == EventType.recordImported
    }

    /// Steps a statement read with the C API: true while it has a row.
    private static func step(_ statement: Statement, db: Database) throws -> Bool {
        switch sqlite3_step(statement.sqliteStatement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: statement.sql)
        }
    }

    private static func text(_ handle: SQLiteStatement, _ column: Int32) -> String {
        String(decoding: bytes(handle, column), as: UTF8.self)
    }

    /// A column's bytes, valid until the statement moves on. Read through the column's value, which takes the
    /// connection's lock once rather than twice; an unprotected value is safe here, where one thread uses the
    /// connection at a time.
    private static func bytes(_ handle: SQLiteStatement, _ column: Int32) -> UnsafeBufferPointer<UInt8> {
        let value = sqlite3_column_value(handle, column)
        let start = sqlite3_value_blob(value)?.assumingMemoryBound(to: UInt8.self)
        return UnsafeBufferPointer(start: start, count: Int(sqlite3_value_bytes(value)))
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        bytesEqual(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b))
    }

    private static func equal(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.withUnsafeBufferPointer { equal($0, b) }
    }

    /// The rows of records that a slice's RecordImported events created, read in rowid order as the events come, each
    /// checked as it is reached: it must be the record the event names, and equal the fold of its stream. Most records
    /// have one event, the one in hand; the others fold their whole stream, whose earlier versions must be in
    /// record_history.
    private struct CreatedRecords {
        /// The row's columns in RecordRow's order, then its rowid, from the row of the slice's first record on.
        private let rows: Statement
        private let streamEvents: Statement
        private let history: Statement
        /// The rowid of the first row checked; nil until one is.
        private(set) var firstRowid: Int64?
        /// Where each imported record's terms are read (see `RecordRow.canonicalImported`), kept from one row to the next.
        private var terms = RecordTerms()

        init(_ db: Database) throws {
            rows = try db.makeStatement(
                sql: "SELECT \(RecordRow.columns), rowid FROM records WHERE rowid >= ? ORDER BY rowid")
            streamEvents = try db.makeStatement(
                sql: """
                    SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events
                    WHERE stream = ? ORDER BY stream_version
                    """)
            history = try db.makeStatement(
                sql: "SELECT record_rowid, superseded_seq, \(RecordRow.columns) FROM record_history WHERE seq = ?")
        }

        /// Checks the row the RecordImported event `event` (the slice's statement, on the event) created: the next row.
        mutating func check(event: SQLiteStatement, db: Database, into summary: inout RecordsSummary) throws {
            let seq = sqlite3_column_int64(event, 0)
            let handle = rows.sqliteStatement
            func rowid(ofRecordIn event: SQLiteStatement) throws -> (id: String, rowid: Int64?) {
                let id = Projector.streamID(text(event, 2))
                return (id, try Int64.fetchOne(db, sql: "SELECT rowid FROM records WHERE id = ?", arguments: [id]))
            }
            if firstRowid == nil {
                let record = try rowid(ofRecordIn: event)
                guard let first = record.rowid else {
                    throw StoreError.corrupt(seq: seq, reason: "records lacks \(record.id), which the log creates here")
                }
                firstRowid = first
                sqlite3_bind_int64(handle, 1, first)
            }
            let id = try step(rows, db: db) ? text(handle, 0) : nil
            guard let id, isStream(event, 2, ofRecord: handle, 0, id: id) else {
                let record = try rowid(ofRecordIn: event)
                // Where rows are out of order, which seq finds it first depends on where the slices begin: none is named.
                guard record.rowid == nil else { throw StoreError.recordsOutOfOrder }
                throw StoreError.corrupt(seq: seq, reason: "records lacks \(record.id), which the log creates here")
            }
            let columns = RecordRow.columnNames
            var lastSeq = sqlite3_column_int64(handle, 3)
            var expected: RecordRow?
            if lastSeq == seq {
                let streamVersion = sqlite3_column_int64(event, 3), recordedAt = sqlite3_column_int64(event, 5)
                let data = bytes(event, 7)
                expected = RecordRow.canonicalImported(
                    id: id, seq: seq, streamVersion: streamVersion, recordedAt: recordedAt, data: data, terms: &terms)
                if expected == nil {
                    do {
                        expected = try RecordRow.imported(id: id, seq: seq, streamVersion: streamVersion, recordedAt: recordedAt, data: data)
                    } catch {
                        throw StoreError.corrupt(seq: seq, reason: "data is not valid JSON (\(error))")
                    }
                }
            }
            if expected == nil {
                let rowid = sqlite3_column_int64(handle, Int32(columns.count))
                let events = try Row.fetchAll(streamEvents, arguments: [text(event, 2)]).map { try Store.event($0) }
                let versions = RecordRow.versions(id: id, rowid: rowid, events: events)
                guard let current = versions.current else {
                    throw StoreError.corrupt(seq: seq, reason: "records has \(id), which the log never created")
                }
                for version in versions.superseded {
                    try verifyHistory(version, statement: history, db: db, digest: &summary.digest)
                    summary.superseded += 1
                }
                lastSeq = current.seq
                expected = current
            }
            // Moved out, not copied: a copy of a row retains each of its parts, and three were a few percent of verify.
            let row = expected.take()!
            if let index = summary.digest.add(columnsOf: handle, holding: row.values) {
                throw StoreError.corrupt(seq: lastSeq, reason: "records.\(columns[index]) of \(id) differs from a replay of the log")
            }
            if !row.flags.isEmpty { summary.flagIndex.add(row.flags, of: sqlite3_column_int64(handle, Int32(columns.count))) }
            summary.tally.add(row)
            summary.byDataset[row.state.dataset, default: 0] += 1
            summary.count += 1
        }

        /// The rowid of the row after the last one checked; nil when none was checked, or that was the last row.
        func nextRowid(db: Database) throws -> Int64? {
            defer { sqlite3_reset(rows.sqliteStatement) }
            guard firstRowid != nil, try step(rows, db: db) else { return nil }
            return sqlite3_column_int64(rows.sqliteStatement, Int32(RecordRow.columnNames.count))
        }
    }

    /// A superseded version must be in record_history as the fold gives it; the stored row goes into the digest.
    private static func verifyHistory(
        _ version: RecordRow.Superseded, statement: Statement, db: Database, digest: inout RowDigest
    ) throws {
        let expected = [version.row.rowid.databaseValue, version.supersededBy.databaseValue] + version.row.values
        let seq = version.row.seq, id = version.row.state.id
        try statement.setArguments([seq])
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        guard try step(statement, db: db) else {
            throw StoreError.corrupt(seq: seq, reason: "record_history lacks version \(version.row.state.version) of \(id)")
        }
        if let index = digest.add(columnsOf: handle, holding: expected, after: "record_history".databaseValue) {
            let columns = ["record_rowid", "superseded_seq"] + RecordRow.columnNames
            throw StoreError.corrupt(
                seq: seq,
                reason: "record_history.\(columns[index]) of version \(version.row.state.version) of \(id) differs from a replay of the log")
        }
    }

    /// The read models other than records, which are small enough to rebuild in memory and compare.
    private static let smallReadModels = ["datasets", "users", "proposals", "annotations", "reports", "corrections"]

    /// The types of the events the small read models are made from.
    private static let smallModelTypes: Set<String> = [
        EventType.datasetImported, EventType.userAdded, EventType.proposalSubmitted, EventType.annotationAdded,
        EventType.reportFiled, EventType.proposalAccepted, EventType.proposalRejected, EventType.reportResolved,
        EventType.annotationHidden, EventType.proposalQuestioned, EventType.proposalAmended,
    ]

    /// Datasets, users and contributions are small: rebuild them in memory from `events` (their seqs, in the order of
    /// the log, which the slices found) and compare; a dataset's record count is the records the slices counted in it
    /// (`recordsByDataset`). Returns their digest. No scan of the log for them: it was a twentieth of verify's CPU.
    private static func verifySmallReadModels(_ db: Database, events: [Int64], recordsByDataset: [String: Int64]) throws -> RowDigest {
        let rebuilt = try DatabaseQueue()
        try Schema.migrator.migrate(rebuilt)
        let statement = try db.makeStatement(
            sql: "SELECT seq, id, stream, stream_version, type, recorded_at, actor, data FROM events WHERE seq = ?")
        try rebuilt.write { memory in
            for seq in events {
                guard let row = try Row.fetchOne(statement, arguments: [seq]) else {
                    throw StoreError.corrupt(seq: seq, reason: "missing from the log")
                }
                try Projector.apply(try event(row), db: memory)
            }
            for (dataset, count) in recordsByDataset {
                try memory.execute(sql: "UPDATE datasets SET record_count = ? WHERE id = ?", arguments: [count, dataset])
            }
            for table in smallReadModels {
                let columns = try db.columns(in: table).map(\.name).filter { !(recordColumns[table] ?? []).contains($0) }
                let select = "SELECT \(columns.joined(separator: ", ")) FROM \(table) ORDER BY 1, 2"
                guard try Row.fetchAll(memory, sql: select) == Row.fetchAll(db, sql: select) else {
                    throw StoreError.corrupt(seq: nil, reason: "the \(table) read model differs from a replay of the log")
                }
            }
        }
        let strays = try Int.fetchOne(
            db,
            sql: """
                SELECT count(*) FROM proposals LEFT JOIN records ON records.id = proposals.record_id
                WHERE proposals.institution_code IS NOT records.institution_code OR proposals.collection_code IS NOT records.collection_code
                  OR proposals.dataset_id IS NOT records.dataset_id
                """) ?? 0
        guard strays == 0 else {
            throw StoreError.corrupt(seq: nil, reason: "\(strays) proposals are not filed under their record's collection")
        }
        let tally = try Row.fetchAll(db, sql: "SELECT * FROM queue_counts WHERE n != 0 ORDER BY 1, 2, 3")
        let counted = try Row.fetchAll(
            db,
            sql: """
                SELECT coalesce(institution_code, '') AS institution_code, coalesce(collection_code, '') AS collection_code, status,
                  count(*) AS n
                FROM proposals GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """)
        guard tally == counted else { throw StoreError.corrupt(seq: nil, reason: "the queue counts differ from the proposals") }
        var digest = RowDigest()
        for table in smallReadModels {
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM \(table)")
            while let row = try cursor.next() { digest.add([table.databaseValue] + row.databaseValues) }
        }
        return digest
    }

    /// Columns of the small read models that copy their record's current values: the in-memory rebuild has no
    /// records, so these are checked against the records table instead.
    private static let recordColumns = ["proposals": ["institution_code", "collection_code", "dataset_id"]]
}

extension StoreError {
    static let recordsOutOfOrder = StoreError.corrupt(seq: nil, reason: "records has rowids out of the order the log created the records in")
}

/// A digest of rows: the sum, lane by lane modulo 2^64, of SHA-256 hashes. A row is its values in order, each as its
/// type letter, then its bits or its length and bytes: numbers as eight bytes, not as text (formatting them was a
/// third of the digest's work).
/// - Rows added on their own (`add(_:)`) are hashed one by one, so that their order does not matter.
/// - Rows the log's events give, checked in the order of the log (`add(columnsOf:holding:after:)`), are hashed
///   together, each after a row mark, one hash for each block of `Checkpoints.blockSize` events (`endBlock()`). The
///   blocks are the same however verify slices the log; a hash for each row, with its own state and padding, was a
///   third of the digest's cost.
struct RowDigest {
    private var lanes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The bytes to hash next, the first `length` of them, kept from one row to the next and written in place
    /// (`append(contentsOf:)` of each value was a tenth of the digest's cost).
    private var buffer: [UInt8] = []
    private var length = 0
    /// The hash of the block's rows before those in `buffer`; nil until the block has one.
    private var block: SHA256?

    mutating func add(_ values: [DatabaseValue]) {
        precondition(length == 0 && block == nil, "a row on its own in a block of the log's rows")
        for value in values { append(value) }
        let hash = buffer.withUnsafeBytes { sha256(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
        length = 0
        add(hash)
    }

    /// Adds the row of a statement's first columns, read straight from SQLite's buffers, when they hold `values` (type
    /// and content): the stored row, each column read once, after `label` if there is one. Otherwise adds nothing and
    /// returns the first column that differs.
    mutating func add(columnsOf handle: SQLiteStatement, holding values: [DatabaseValue], after label: DatabaseValue? = nil) -> Int? {
        let rowStart = length
        append(UInt8(ascii: "R"))
        if let label { append(label) }
        for (index, value) in values.enumerated() {
            // Through the column's value, as `bytes(_:_:)` reads it: one call that takes the connection's lock, not one each
            // for the type and the content.
            let column = sqlite3_column_value(handle, Int32(index)), type = sqlite3_value_type(column)
            func bytes() -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(start: sqlite3_value_blob(column), count: Int(sqlite3_value_bytes(column)))
            }
            func differs() -> Int {
                length = rowStart
                return index
            }
            switch value.storage {
            case .null:
                guard type == SQLITE_NULL else { return differs() }
                append(0)
            case .int64(let number):
                guard type == SQLITE_INTEGER, sqlite3_value_int64(column) == number else { return differs() }
                append("i", UInt64(bitPattern: number))
            case .double(let number):
                let stored = sqlite3_value_double(column)
                guard type == SQLITE_FLOAT, stored == number else { return differs() }
                append("d", stored.bitPattern)
            case .string(var text):
                guard type == SQLITE_TEXT else { return differs() }
                let stored = bytes()
                guard text.withUTF8({ bytesEqual(UnsafeRawBufferPointer($0), stored) }) else { return differs() }
                append("s", stored)
            case .blob(let data):
                guard type == SQLITE_BLOB else { return differs() }
                let stored = bytes()
                guard data.withUnsafeBytes({ bytesEqual($0, stored) }) else { return differs() }
                append("b", stored)
            }
        }
        // The bytes go to the block's hash as they pile up, so that the buffer stays small.
        if length >= 1 << 14 { flush() }
        return nil
    }

    /// Ends a block of the log: the hash of the rows added since the last goes into the sum.
    mutating func endBlock() {
        flush()
        guard let hash = block.take()?.finalize() else { return }
        add(hash)
    }

    private mutating func flush() {
        guard length > 0 else { return }
        if block == nil { block = SHA256() }
        buffer.withUnsafeBytes { block!.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<length])) }
        length = 0
    }

    private mutating func append(_ value: DatabaseValue) {
        switch value.storage {
        case .null: append(0)
        case .int64(let number): append("i", UInt64(bitPattern: number))
        case .double(let number): append("d", number.bitPattern)
        case .string(var text): text.withUTF8 { append("s", UnsafeRawBufferPointer($0)) }
        case .blob(let data): data.withUnsafeBytes { append("b", $0) }
        }
    }

    private mutating func append(_ type: Unicode.Scalar, _ bits: UInt64) {
        append(type, bits, then: UnsafeRawBufferPointer(start: nil, count: 0))
    }

    private mutating func append(_ type: Unicode.Scalar, _ bytes: UnsafeRawBufferPointer) {
        append(type, UInt64(bytes.count), then: bytes)
    }

    /// A value's type letter, eight bytes of bits, and `bytes`, written into the buffer in one access: three accesses
    /// a value, each checking that the buffer is not shared, were a fifth of the digest's cost.
    private mutating func append(_ type: Unicode.Scalar, _ bits: UInt64, then bytes: UnsafeRawBufferPointer) {
        let count = 9 + bytes.count
        reserve(count)
        buffer.withUnsafeMutableBytes { out in
            out[length] = UInt8(ascii: type)
            out.storeBytes(of: bits.bigEndian, toByteOffset: length + 1, as: UInt64.self)
            if let source = bytes.baseAddress, !bytes.isEmpty {
                (out.baseAddress! + length + 9).copyMemory(from: source, byteCount: bytes.count)
            }
        }
        length += count
    }

    private mutating func append(_ byte: UInt8) {
        reserve(1)
        buffer[length] = byte
        length += 1
    }

    private mutating func reserve(_ count: Int) {
        if length + count > buffer.count { buffer += repeatElement(0, count: max(2048, length + count - buffer.count)) }
    }

    private mutating func add(_ hash: SHA256Digest) {
        hash.withUnsafeBytes { hash in
            func lane(_ index: Int) -> UInt64 { UInt64(bigEndian: hash.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
            lanes = (lanes.0 &+ lane(0), lanes.1 &+ lane(1), lanes.2 &+ lane(2), lanes.3 &+ lane(3))
        }
    }

    /// Adds a digest whose last block has ended.
    mutating func add(_ other: RowDigest) {
        precondition(other.length == 0 && other.block == nil, "a digest with a block not ended")
        lanes = (lanes.0 &+ other.lanes.0, lanes.1 &+ other.lanes.1, lanes.2 &+ other.lanes.2, lanes.3 &+ other.lanes.3)
    }

    var hex: String {
        [lanes.0, lanes.1, lanes.2, lanes.3].map { String($0, radix: 16).leftPadded(to: 16) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

/// A Merkle frontier (the roots of a tree's perfect subtrees, the largest first, as `MerkleFrontier` keeps them) in
/// one buffer of 32-byte hashes: folding in a leaf allocates nothing but the hash function's state. Verify folds a
/// million leaves this way.
struct FlatFrontier {
    /// The roots, 32 bytes each.
    private(set) var bytes: [UInt8] = []
    /// The nodes folded in: leaves, or whole subtrees of one width.
    private(set) var size: Int64 = 0

    init() {
        bytes.reserveCapacity(64 * 32)
    }

    /// Folds in the next node (32 bytes). When that completes a subtree `width` nodes wide, its root goes into
    /// `root` and the answer is true.
    @discardableResult
    mutating func append(_ node: UnsafeRawBufferPointer, watching width: Int64 = 0, root: inout [UInt8]) -> Bool {
        precondition(node.count == 32)
        bytes.append(contentsOf: node)
        var formed = false
        var merged: Int64 = 1
        // Each set low bit of the size is a subtree as wide as the new node, and to its left: join them.
        while size & merged != 0 {
            let end = bytes.count
            let parent = withUnsafeTemporaryAllocation(byteCount: 65, alignment: 1) { buffer in
                buffer[0] = 0x01
                bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1...]).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[(end - 64)...])) }
                return sha256(UnsafeRawBufferPointer(buffer))
            }
            bytes.removeLast(32)
            bytes.withUnsafeMutableBytes { stored in
                parent.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: stored[(end - 64)...]).copyMemory(from: $0) }
            }
            merged <<= 1
            if merged == width {
                formed = true
                root.withUnsafeMutableBytes { out in parent.withUnsafeBytes { out.copyMemory(from: $0) } }
            }
        }
        size += 1
        return formed
    }

    mutating func append(_ node: UnsafeRawBufferPointer) -> Bool {
        var unused: [UInt8] = []
        return append(node, root: &unused)
    }

    /// The root of the tree whose frontier is `roots` (32 bytes each, the largest first): joined from the right, as
    /// RFC 6962 splits a tree.
    static func root(of roots: [UInt8]) -> [UInt8] {
        guard roots.count >= 32 else { return MerkleTree.emptyRoot }
        var root = Array(roots[(roots.count - 32)...])
        for end in stride(from: roots.count - 32, to: 0, by: -32) {
            root = MerkleTree.nodeHash(Array(roots[(end - 32)..<end]), root)
        }
        return root
    }
}

extension RecordRow {
    /// The row of a RecordImported event whose data is exactly as a writer gives it (`{"dataset":…,"fields":{…}}`,
    /// canonical: no whitespace, keys in order, every value a string without escapes, valid UTF-8), read in one pass
    /// that keeps only the terms the columns, the flags and the counts derive from: the row `imported` gives, for a
    /// fraction of the work, but with no `state.fields` (verify compares the row's columns, and the log holds the
    /// fields). Nil for data in any other form, which `imported` reads as usual.
    /// `terms` is storage to read the terms into, kept from one record to the next: once the row is gone it is
    /// reused in place, rather than allocated and freed for every record.
    static func canonicalImported(
        id: String, seq: Int64, streamVersion: Int64, recordedAt: Int64, data: UnsafeBufferPointer<UInt8>,
        terms: inout RecordTerms
    ) -> RecordRow? {
        var scanner = CanonicalScanner(data)
        guard scanner.skip(#"{"dataset":"#), let dataset = scanner.plainString(), scanner.skip(#","fields":"#) else { return nil }
        guard scanner.skip("{") else { return nil }
        terms.removeAll()
        let byName = RecordTerms.Term.byName
        var previousKey: Range<Int>?
        var next = 0
        if !scanner.skip("}") {
            while true {
                // ASCII keys, so that keys equal as Strings are equal byte for byte; in strictly rising order, so that none repeats.
                guard let key = scanner.plainString(ascii: true), scanner.skip(":"), let value = scanner.plainString() else { return nil }
                if let previousKey, !scanner.precedes(previousKey, key) { return nil }
                previousKey = key
                // The first term not before the key, compared once: the key is that term's if they are equal.
                var order = 1
                while next < byName.count {
                    order = scanner.order(of: byName[next].name, against: key)
                    if order >= 0 { break }
                    next += 1
                }
                if order == 0 { terms[byName[next].term] = scanner.string(value) }
                if scanner.skip(",") { continue }
                guard scanner.skip("}") else { return nil }
                break
            }
        }
        guard scanner.skip("}"), scanner.atEnd, scanner.isValidUTF8 else { return nil }
        return RecordRow(
            state: RecordState(id: id, dataset: scanner.string(dataset), version: streamVersion, fields: [:], extensions: [:]),
            terms: terms, seq: seq, recordedAt: recordedAt, fieldsInEvent: true)
    }
}

/// Reads JSON text in the one form canonical JSON writes, refusing anything else.
private struct CanonicalScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0
    /// Whether a string read so far may have a byte that is not ASCII (a word of eight read at once counts whole).
    private var mayHaveNonASCII = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { at == bytes.count }

    mutating func skip(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        // Most are one character (":" and "," between each key and value): compared in place, not by memcmp.
        if count == 1 {
            guard at < bytes.count, bytes[at] == literal.utf8Start.pointee else { return false }
            at += 1
            return true
        }
        guard bytes.count - at >= count,
            bytesEqual(UnsafeRawBufferPointer(start: bytes.baseAddress! + at, count: count), UnsafeRawBufferPointer(start: literal.utf8Start, count: count))
        else { return false }
        at += count
        return true
    }

    /// A string with nothing escaped (and only ASCII, if asked): the range of its text, between the quotes.
    mutating func plainString(ascii: Bool = false) -> Range<Int>? {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return nil }
        let base = UnsafeRawPointer(bytes.baseAddress!)
        var position = at + 1
        while position < bytes.count {
            // Eight bytes at a time while none is a quote, a backslash, a control character (or not ASCII, if asked).
            if position + 8 <= bytes.count {
                let word = base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                var special = jsonSpecialBytes(in: word)
                if ascii { special |= word & 0x8080_8080_8080_8080 } else { mayHaveNonASCII = mayHaveNonASCII || word & 0x8080_8080_8080_8080 != 0 }
                guard special != 0 else {
                    position += 8
                    continue
                }
                // The lowest flagged byte is the first special one (a borrow only flags bytes above it): go straight there.
                position += special.trailingZeroBitCount / 8
            }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                defer { at = position + 1 }
                return (at + 1)..<position
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || (ascii && byte >= 0x80) { return nil }
            mayHaveNonASCII = mayHaveNonASCII || byte >= 0x80
            position += 1
        }
        return nil
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    func precedes(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        Self.order(bytes.baseAddress! + a.lowerBound, a.count, bytes.baseAddress! + b.lowerBound, b.count) < 0
    }

    /// Negative when `a` comes before the text at `b`, 0 when they are equal, positive when it comes after.
    func order(of a: [UInt8], against b: Range<Int>) -> Int {
        a.withUnsafeBufferPointer { Self.order($0.baseAddress!, $0.count, bytes.baseAddress! + b.lowerBound, b.count) }
    }

    /// The order of the bytes, as `lexicographicallyPrecedes` gives it: negative, 0 or positive.
    private static func order(_ a: UnsafePointer<UInt8>, _ aCount: Int, _ b: UnsafePointer<UInt8>, _ bCount: Int) -> Int {
        // Most keys differ from the one they are compared with in their first byte: decided without calling memcmp.
        if aCount > 0, bCount > 0, a[0] != b[0] { return Int(a[0]) - Int(b[0]) }
        let order = memcmp(a, b, min(aCount, bCount))
        return order != 0 ? Int(order) : aCount - bCount
    }

    /// Whether the whole text is well-formed UTF-8 (Unicode table 3-7), so that it decodes to a String unchanged.
    /// Read to its end, text whose strings are all ASCII is: it is made of them and of ASCII punctuation.
    var isValidUTF8: Bool {
        guard mayHaveNonASCII else { return true }
        var position = 0
        let count = bytes.count
        let base = UnsafeRawPointer(bytes.baseAddress!)
        while position < count {
            if position + 8 <= count, base.loadUnaligned(fromByteOffset: position, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                position += 8
                continue
            }
            let lead = bytes[position]
            if lead < 0x80 {
                position += 1
                continue
            }
            func continuation(_ offset: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
                position + offset < count && range.contains(bytes[position + offset])
            }
            switch lead {
            case 0xC2...0xDF: guard continuation(1) else { return false }; position += 2
            case 0xE0: guard continuation(1, 0xA0...0xBF), continuation(2) else { return false }; position += 3
            case 0xE1...0xEC, 0xEE...0xEF: guard continuation(1), continuation(2) else { return false }; position += 3
            case 0xED: guard continuation(1, 0x80...0x9F), continuation(2) else { return false }; position += 3
            case 0xF0: guard continuation(1, 0x90...0xBF), continuation(2), continuation(3) else { return false }; position += 4
            case 0xF1...0xF3: guard continuation(1), continuation(2), continuation(3) else { return false }; position += 4
            case 0xF4: guard continuation(1, 0x80...0x8F), continuation(2), continuation(3) else { return false }; position += 4
            default: return false
            }
        }
        return true
    }
}

/// The bytes of a word (eight, read at once) that JSON text must escape: quotes, backslashes and control
/// characters, each flagged by its high bit. A borrow can flag a byte above a flagged one, never below, so the lowest
/// flag is always the first such byte.
private func jsonSpecialBytes(in word: UInt64) -> UInt64 {
    let quote = word ^ 0x2222_2222_2222_2222, backslash = word ^ 0x5C5C_5C5C_5C5C_5C5C
    var special = (quote &- 0x0101_0101_0101_0101) & ~quote
    special |= (backslash &- 0x0101_0101_0101_0101) & ~backslash
    special |= (word &- 0x2020_2020_2020_2020) & ~word
    return special & 0x8080_8080_8080_8080
}

/// Whether two runs of bytes are equal, by memcmp: the generic `elementsEqual` goes byte by byte.
func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    a.count == b.count && (a.count == 0 || (a[0] == b[0] && memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0))
}

/// SHA-256 of bytes in place (`SHA256.hash(bufferPointer:)` is not public).
func sha256(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
    var hasher = SHA256()
    hasher.update(bufferPointer: bytes)
    return hasher.finalize()
}
