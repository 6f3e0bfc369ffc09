import Crypto
import EmendCore
import EmendStore
import Foundation
import GRDB
import Testing

@Suite struct CheckpointStoreTests {
    /// Appends `count` small events in one transaction.
    func append(_ count: Int, to store: Store) throws {
        try store.write { log in
            for _ in 0..<count {
                try log.append(NewEvent(stream: "test/\(UUID().uuidString)", type: "Test", actor: "system", data: [:]), expectedVersion: 0)
            }
        }
    }

    func treeSizes(_ store: Store) throws -> [Int64] {
        try store.read { db in try Int64.fetchAll(db, sql: "SELECT tree_size FROM checkpoints ORDER BY tree_size") }
    }

    /// The leaves of the log, read the plain way: every event's chain hash, hashed as a leaf.
    func leaves(_ store: Store) throws -> [[UInt8]] {
        var leaves: [[UInt8]] = []
        try store.forEachEvent { leaves.append(MerkleTree.eventLeaf($0.hash)) }
        return leaves
    }

    @Test func anImportEndsWithASignedCheckpointOfTheWholeLog() throws {
        // Given a store
        let store = try Given.store()
        // When 20 records are imported
        try Given.imported((1...20).map { Given.specimen($0) }, into: store)
        // Then the latest checkpoint covers all 21 events, with their Merkle root, signed with the store's key
        let checkpoint = try #require(try store.latestCheckpoint())
        #expect(checkpoint.treeSize == 21)
        #expect(checkpoint.rootHash == MerkleTree.root(leafHashes: try leaves(store)))
        #expect(checkpoint.isSigned(by: store.publicKey))
        #expect(checkpoint.timestamp.rfc3339 == "2023-11-14T22:13:21.000Z")
    }

    @Test func aCheckpointAtLeastEvery1000Events() throws {
        // Given a store
        let store = try Given.store()
        // When transactions of 300 events, then one of 2,500, are written
        for _ in 1...4 { try append(300, to: store) }
        try append(2_500, to: store)
        // Then a checkpoint was signed as each thousandth event past the last one was appended, mid-transaction too
        #expect(try treeSizes(store) == [1_000, 2_000, 3_000])
        // And an import signs one at its end
        try Given.imported((1...5).map { Given.specimen($0) }, into: store)
        #expect(try treeSizes(store) == [1_000, 2_000, 3_000, 3_706])
        #expect(try store.verify().checkpoints == 4)
    }

    @Test func onDemandACheckpointOfTheWholeLogUnlessTheLatestCoversIt() throws {
        // Given an empty store: there is nothing to sign
        let store = try Given.store()
        #expect(throws: StoreError.invalid("the log is empty: there is nothing to checkpoint")) { try store.checkpoint() }
        // When it has 10 events and a checkpoint is asked for, twice
        try append(10, to: store)
        let first = try store.checkpoint()
        // Then the first signs the 10 events and the second gives the same checkpoint back
        #expect(first.treeSize == 10)
        #expect(try store.checkpoint() == first)
        // And once the log grows, a new one is signed
        try append(1, to: store)
        #expect(try store.checkpoint().treeSize == 11)
        #expect(try treeSizes(store) == [10, 11])
    }

    @Test func proofsFromStoredBlocksAreTheTreesAndVerifyAgainstTheCheckpoints() throws {
        // Given a log of 5,000 events, whose checkpoints stored the roots of its first four blocks of 1,024
        let store = try Given.store()
        try append(5_000, to: store)
        #expect(try store.count("SELECT count(*) FROM merkle_blocks") == 4)
        let leaves = try leaves(store)
        func root(_ range: Range<Int64>) -> [UInt8] { MerkleTree.root(leafHashes: leaves[Int(range.lowerBound)..<Int(range.upperBound)]) }
        let checkpoints = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT tree_size, root_hash FROM checkpoints ORDER BY tree_size")
                .map { (size: $0["tree_size"] as Int64, root: [UInt8]($0["root_hash"] as Data)) }
        }
        #expect(checkpoints.map(\.size) == [1_000, 2_000, 3_000, 4_000, 5_000])
        for (size, checkpointRoot) in checkpoints {
            #expect(checkpointRoot == root(0..<size))
            for seq in [1, 2, 512, 1_000, 1_024, 1_025, 2_049, size - 1, size] where seq <= size {
                // When an event's inclusion proof is asked for
                let proof = try store.inclusionProof(seq: seq, treeSize: size)
                // Then it is the proof made from all the leaves, and it leads to the checkpoint's root
                #expect(proof.leafIndex == seq - 1 && proof.treeSize == size)
                #expect(proof.auditPath == MerkleTree.inclusionProof(index: seq - 1, size: size, subtree: root))
                #expect(
                    MerkleTree.verifyInclusion(
                        proof: proof.auditPath, leafHash: leaves[Int(seq - 1)], index: seq - 1, size: size, root: checkpointRoot))
            }
        }
        for (old, new) in [(0, 1), (0, 4), (1, 4), (2, 3), (3, 4)] {
            // When the proof that one checkpoint's tree extends another's is asked for
            let (from, to) = (checkpoints[old], checkpoints[new])
            let proof = try store.consistencyProof(from: from.size, to: to.size)
            // Then it is the proof made from all the leaves, and it holds between their roots
            #expect(proof == MerkleTree.consistencyProof(from: from.size, to: to.size, subtree: root))
            #expect(MerkleTree.verifyConsistency(proof: proof, from: from.size, to: to.size, oldRoot: from.root, newRoot: to.root))
        }
        #expect(try store.consistencyProof(from: 4_097, to: 4_999) == MerkleTree.consistencyProof(from: 4_097, to: 4_999, subtree: root))
    }

    @Test func proofsOutsideTheLogAreRefusedSayingWhy() throws {
        // Given a log of 10 events
        let store = try Given.store()
        try append(10, to: store)
        // Then proofs of events or trees it does not have are refused, saying which parameter is out of range
        #expect(throws: StoreError.notFound("event 11 (the log has 10)")) { try store.inclusionProof(seq: 11, treeSize: 10) }
        #expect(throws: StoreError.invalid("treeSize: 11 is past the end of the log, which has 10 events")) {
            try store.inclusionProof(seq: 1, treeSize: 11)
        }
        #expect(throws: StoreError.invalid("treeSize: event 5 is not in the tree of the first 4 events")) {
            try store.inclusionProof(seq: 5, treeSize: 4)
        }
        #expect(throws: StoreError.invalid("to: 11 is past the end of the log, which has 10 events")) {
            try store.consistencyProof(from: 1, to: 11)
        }
        #expect(throws: StoreError.invalid("from: 6 is after to (5); an older tree comes first")) {
            try store.consistencyProof(from: 6, to: 5)
        }
        #expect(try store.consistencyProof(from: 5, to: 5) == [])
    }

    @Test func verifyReportsALogShorterThanItsLastCheckpoint() throws {
        // Given a log of 100 events with a checkpoint of all of them, whose last five events are then removed
        let store = try Given.store()
        try append(100, to: store)
        let checkpoint = try store.checkpoint()
        try store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER events_append_only_delete")
            try db.execute(sql: "DELETE FROM events WHERE seq > 95")
        }
        // When it is verified
        // Then verify says the log is shorter than the checkpoint
        #expect(
            throws: StoreError.corrupt(
                seq: nil, reason: "the log has 95 events but the checkpoint of \(checkpoint.timestamp.rfc3339) covers 100")
        ) {
            try store.verify()
        }
    }

    @Test func verifyFindsARootOrSignatureThatIsNotTheLogs() throws {
        // Given a store with two checkpoints
        let store = try Given.store()
        try append(10, to: store)
        let first = try store.checkpoint()
        try append(10, to: store)
        let latest = try store.checkpoint()
        #expect(try store.verify().checkpoints == 2)
        #expect(try store.verify().latestCheckpoint == latest)
        // When the first one's signature is altered, or its root
        try store.writer.write { db in try db.execute(sql: "DROP TRIGGER checkpoints_append_only_update") }
        try store.writer.write { db in
            try db.execute(sql: "UPDATE checkpoints SET signature = zeroblob(64) WHERE tree_size = 10")
        }
        // Then verify names the checkpoint
        #expect(
            throws: StoreError.corrupt(
                seq: nil, reason: "the checkpoint of tree size 10 (\(first.timestamp.rfc3339)): its signature does not verify with the checkpoint key")
        ) {
            try store.verify()
        }
        try store.writer.write { db in
            try db.execute(sql: "UPDATE checkpoints SET root_hash = ? WHERE tree_size = 10", arguments: [Data(repeating: 1, count: 32)])
        }
        #expect {
            try store.verify()
        } throws: { error in
            guard case StoreError.corrupt(nil, let reason) = error else { return false }
            return reason.hasPrefix("the checkpoint of tree size 10 (\(first.timestamp.rfc3339)) signed the root 0101")
        }
    }

    @Test func verifyNamesTheEventWhoseBytesChangedInTheDatabaseFile() throws {
        // Given a database file with 20 records imported, closed
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emend-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("emend.sqlite").path
        do {
            let store = try Store(path: path)
            try Given.imported((1...20).map { Given.specimen($0) }, into: store)
            _ = try store.writer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        }
        // When one byte of record 17's occurrenceID is changed in the file, wherever it is
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = Array(#""occ-17""#.utf8)
        var changed = 0
        for start in 0..<(bytes.count - needle.count) where bytes[start..<start + needle.count].elementsEqual(needle) {
            bytes[start + 5] = UInt8(ascii: "8")
            changed += 1
        }
        #expect(changed >= 1)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        // Then verify fails naming its event, seq 17
        #expect(throws: StoreError.corrupt(seq: 17, reason: "hash mismatch: the event or the one before it was altered")) {
            try Store(path: path).verify()
        }
    }

    @Test func theKeyIsMadeOnceBesideTheDatabaseReadableByItsOwnerOnly() throws {
        // Given a new database
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emend-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("emend.sqlite").path
        // When it is opened twice
        let first = try Store(path: path).publicKey
        let second = try Store(path: path).publicKey
        // Then its key was made once, beside it, mode 0600, as 64 hex digits
        #expect(first.rawRepresentation == second.rawRepresentation)
        let attributes = try FileManager.default.attributesOfItem(atPath: path + ".key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: path + ".key", encoding: .utf8)
        #expect(text.count == 65 && text.hasSuffix("\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
        // And a key file that holds something else is refused
        let other = folder.appendingPathComponent("other.key").path
        try "not a key\n".write(toFile: other, atomically: true, encoding: .utf8)
        #expect(throws: StoreError.invalid("\(other) does not hold a checkpoint key (an Ed25519 private key in 64 hex digits)")) {
            try Store(path: path, keyPath: other)
        }
    }

    @Test func checkpointsSignedWithAnotherKeyDoNotVerify() throws {
        // Given a database whose checkpoints were signed with its key
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emend-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("emend.sqlite").path
        try Given.imported([Given.specimen(1)], into: try Store(path: path))
        // When it is opened with another key
        // Then verify says the signature does not verify
        #expect {
            try Store(path: path, keyPath: folder.appendingPathComponent("another.key").path).verify()
        } throws: { error in
            guard case StoreError.corrupt(nil, let reason) = error else { return false }
            return reason.hasSuffix("its signature does not verify with the checkpoint key")
        }
    }

    @Test func replayKeepsTheCheckpointsAndReplayFromAnExportSignsItsOwn() throws {
        // Given a store of 1,500 events and its export
        let store = try Given.store()
        try append(1_450, to: store)
        try Given.imported((1...49).map { Given.specimen($0) }, into: store)
        let before = try treeSizes(store)
        #expect(before == [1_000, 1_500])
        // When its read models are rebuilt from its own log
        try store.replay()
        // Then its checkpoints are as they were
        #expect(try treeSizes(store) == before)
        #expect(try store.verify().checkpoints == 2)
        // When the export is replayed into an empty database with another key
        var lines: [(lineNumber: Int, text: String)] = []
        try store.forEachEvent { lines.append((lines.count + 1, NDJSONLog.line($0))) }
        let copy = try Store.inMemory()
        try copy.replay(from: lines)
        // Then the copy signed checkpoints of its own, with the same roots
        #expect(try treeSizes(copy) == [1_000, 1_500])
        let latest = try #require(try copy.latestCheckpoint())
        #expect(latest.rootHash == (try store.latestCheckpoint())?.rootHash)
        #expect(latest.isSigned(by: copy.publicKey) && !latest.isSigned(by: store.publicKey))
        #expect(try copy.verify().checkpoints == 2)
    }
}
