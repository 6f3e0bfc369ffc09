import Crypto
import EmendCore
import Foundation
import GRDB

/// An event's place in a tree of the log, and the hashes that lead from it to the tree's root.
public struct InclusionProof: Sendable, Equatable {
    /// The event's seq - 1.
    public var leafIndex: Int64
    public var treeSize: Int64
    /// From the leaf up (RFC 6962 §2.1.1).
    public var auditPath: [[UInt8]]
}

extension Store {
    /// The public half of the checkpoint key: what anyone checks checkpoints with.
    public var publicKey: Curve25519.Signing.PublicKey { signingKey.publicKey }

    /// The public key's 32 raw bytes in lowercase hex, as `/api/checkpoints/key` and the auditor console show it.
    public var publicKeyHex: String { Array(signingKey.publicKey.rawRepresentation).hexString }

    public func latestCheckpoint() throws -> Checkpoint? {
        try read { db in try Checkpoints.latest(db) }
    }

    /// Signs a checkpoint of the whole log now, unless the latest covers it already; returns the latest.
    public func checkpoint() throws -> Checkpoint {
        try write { log in
            guard log.lastSeq > 0 else { throw StoreError.invalid("the log is empty: there is nothing to checkpoint") }
            try log.checkpoint()
            return try Checkpoints.latest(log.db)!
        }
    }

    /// The audit path of event `seq` in the tree of the first `treeSize` events.
    public func inclusionProof(seq: Int64, treeSize: Int64) throws -> InclusionProof {
        try read { db in
            let events = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM events")) ?? 0
            guard seq <= events else { throw StoreError.notFound("event \(seq) (the log has \(events))") }
            guard treeSize <= events else {
                throw StoreError.invalid("treeSize: \(treeSize) is past the end of the log, which has \(events) events")
            }
            guard seq <= treeSize else {
                throw StoreError.invalid("treeSize: event \(seq) is not in the tree of the first \(treeSize) events")
            }
            let path = try MerkleTree.inclusionProof(index: seq - 1, size: treeSize) { try Checkpoints.subtreeRoot($0, db: db) }
            return InclusionProof(leafIndex: seq - 1, treeSize: treeSize, auditPath: path)
        }
    }

    /// The proof that the tree of the first `to` events extends the tree of the first `from`.
    public func consistencyProof(from: Int64, to: Int64) throws -> [[UInt8]] {
        try read { db in
            let events = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM events")) ?? 0
            guard to <= events else { throw StoreError.invalid("to: \(to) is past the end of the log, which has \(events) events") }
            guard from <= to else { throw StoreError.invalid("from: \(from) is after to (\(to)); an older tree comes first") }
            return try MerkleTree.consistencyProof(from: from, to: to) { try Checkpoints.subtreeRoot($0, db: db) }
        }
    }

    /// The checkpoint key at `path`, made (mode 0600) when there is no file there yet.
    static func signingKey(at path: String) throws -> Curve25519.Signing.PrivateKey {
        if !FileManager.default.fileExists(atPath: path) {
            // Written whole under another name, then linked into place only if nothing is there: two processes
            // opening a new database at once end up with the same key, never with a half-written file.
            let key = Curve25519.Signing.PrivateKey()
            let temporary = "\(path).\(UUID().uuidString).tmp"
            let file = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard file >= 0 else { throw StoreError.invalid("cannot write the checkpoint key \(path): \(String(cString: strerror(errno)))") }
            defer { unlink(temporary) }
            let handle = FileHandle(fileDescriptor: file, closeOnDealloc: true)
            try handle.write(contentsOf: Data((Array(key.rawRepresentation).hexString + "\n").utf8))
            try handle.synchronize()
            try handle.close()
            guard link(temporary, path) == 0 || errno == EEXIST else {
                throw StoreError.invalid("cannot write the checkpoint key \(path): \(String(cString: strerror(errno)))")
            }
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let bytes = [UInt8](hexString: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
        else { throw StoreError.invalid("\(path) does not hold a checkpoint key (an Ed25519 private key in 64 hex digits)") }
        return key
    }
}

/// Checkpoints and the stored parts of the log's Merkle tree.
enum Checkpoints {
    /// A checkpoint is signed at least this often, in events.
    static let interval: Int64 = 1_000
    /// The width, in events, of the blocks whose roots are stored.
    static let blockSize: Int64 = 1_024

    static func latest(_ db: Database) throws -> Checkpoint? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM checkpoints ORDER BY tree_size DESC LIMIT 1")).map(checkpoint)
    }

    static func checkpoint(_ row: Row) -> Checkpoint {
        Checkpoint(
            treeSize: row["tree_size"], rootHash: [UInt8](row["root_hash"] as Data),
            timestamp: Timestamp(milliseconds: row["signed_at"]), signature: [UInt8](row["signature"] as Data))
    }

    /// Signs and stores a checkpoint of the first `treeSize` events: the last checkpoint's frontier, with the
    /// events since folded in. Its time is never before the last checkpoint's.
    static func make(treeSize: Int64, timestamp: Timestamp, key: Curve25519.Signing.PrivateKey, db: Database) throws {
        var frontier = MerkleFrontier()
        var signedAt = timestamp
        if let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT tree_size, signed_at, frontier FROM checkpoints ORDER BY tree_size DESC LIMIT 1")) {
            guard let stored = MerkleFrontier(size: last["tree_size"], bytes: last["frontier"] as Data) else {
                throw StoreError.corrupt(seq: nil, reason: "the checkpoint of tree size \(last["tree_size"] as Int64) has a malformed frontier")
            }
            frontier = stored
            signedAt = max(timestamp, Timestamp(milliseconds: last["signed_at"]))
        }
        let insertBlock = try db.cachedStatement(sql: "INSERT INTO merkle_blocks (block, root_hash) VALUES (?, ?)")
        try forEachEventHash(frontier.size..<treeSize, db: db) { hash in
            try frontier.append(MerkleTree.eventLeaf([UInt8](hash))) { leaves, root in
                if Int64(leaves.count) == blockSize { try insertBlock.execute(arguments: [leaves.lowerBound / blockSize, Data(root)]) }
            }
        }
        let checkpoint = try Checkpoint.signed(treeSize: treeSize, rootHash: frontier.root, timestamp: signedAt, key: key)
        try db.cachedStatement(sql: "INSERT INTO checkpoints (tree_size, root_hash, signed_at, signature, frontier) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [treeSize, Data(checkpoint.rootHash), signedAt.milliseconds, Data(checkpoint.signature), Data(frontier.bytes)])
    }

    /// The root of the tree over `leaves` (leaf i is event seq i + 1): from stored block roots where the range
    /// spans whole blocks, from the events' hashes elsewhere.
    static func subtreeRoot(_ leaves: Range<Int64>, db: Database) throws -> [UInt8] {
        let width = Int64(leaves.count)
        if width > blockSize {
            // Split as the tree does: the left part is a whole power of two, so its blocks are aligned.
            let middle = leaves.lowerBound + MerkleTree.split(width)
            return MerkleTree.nodeHash(
                try subtreeRoot(leaves.lowerBound..<middle, db: db), try subtreeRoot(middle..<leaves.upperBound, db: db))
        }
        if width == blockSize, leaves.lowerBound % blockSize == 0,
            let stored = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT root_hash FROM merkle_blocks WHERE block = ?"),
                arguments: [leaves.lowerBound / blockSize])
        {
            return [UInt8](stored)
        }
        var frontier = MerkleFrontier()
        try forEachEventHash(leaves, db: db) { frontier.append(MerkleTree.eventLeaf([UInt8]($0))) }
        return frontier.root
    }

    /// Calls `body` with the hash of each event of `leaves` (leaf i is seq i + 1), in order; throws when one is missing.
    private static func forEachEventHash(_ leaves: Range<Int64>, db: Database, _ body: (Data) throws -> Void) throws {
        let hashes = try Data.fetchCursor(
            db.cachedStatement(sql: "SELECT hash FROM events WHERE seq > ? AND seq <= ? ORDER BY seq"),
            arguments: [leaves.lowerBound, leaves.upperBound])
        var count: Int64 = 0
        while let hash = try hashes.next() {
            try body(hash)
            count += 1
        }
        guard count == leaves.count else {
            throw StoreError.corrupt(seq: nil, reason: "events \(leaves.lowerBound + 1) to \(leaves.upperBound) are not all in the log")
        }
    }
}
