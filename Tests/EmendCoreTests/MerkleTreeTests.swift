import Crypto
import EmendCore
import Testing

/// The RFC 6962 test data of transparency-dev/merkle (proof/verify_test.go, rfc6962/rfc6962_test.go): eight leaves of
/// arbitrary bytes, the roots of the trees over the first 1…8 of them, and proofs in those trees.
enum Vectors {
    static let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map { bytes($0) }

    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ].map { bytes($0) }

    /// (leaf index, tree size, audit path)
    static let inclusionProofs: [(Int64, Int64, [String])] = [
        (0, 1, []),
        (
            0, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            5, 8,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (
            1, 5,
            [
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ]

    /// (old size, new size, proof)
    static let consistencyProofs: [(Int64, Int64, [String])] = [
        (1, 1, []),
        (
            1, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
        (
            6, 8,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
        (
            2, 5,
            [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
        (
            6, 7,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
    ]

    static func bytes(_ hex: String) -> [UInt8] { [UInt8](hexString: hex)! }
}

/// The tree computed straight from the RFC's recursive definition, as the reference the rest is checked against.
struct ReferenceTree {
    let leafHashes: [[UInt8]]

    func root(_ range: Range<Int64>) -> [UInt8] {
        if range.isEmpty { return MerkleTree.emptyRoot }
        if range.count == 1 { return leafHashes[Int(range.lowerBound)] }
        let middle = range.lowerBound + MerkleTree.split(Int64(range.count))
        return MerkleTree.nodeHash(root(range.lowerBound..<middle), root(middle..<range.upperBound))
    }

    static func of(size: Int) -> ReferenceTree {
        ReferenceTree(leafHashes: (0..<size).map { MerkleTree.leafHash(Array("leaf \($0)".utf8)) })
    }
}

@Suite struct MerkleTreeTests {
    @Test func hashesLeavesAndNodesAsRFC6962Does() {
        // The empty tree, an empty leaf, a leaf and a node, as transparency-dev/merkle's rfc6962 tests give them
        #expect(MerkleTree.emptyRoot.hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleTree.leafHash([]).hexString == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        #expect(MerkleTree.leafHash(Array("L123456".utf8)).hexString == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        #expect(
            MerkleTree.nodeHash(Array("N123".utf8), Array("N456".utf8)).hexString
                == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
    }

    @Test func rootsOfTheTestVectorTrees() {
        // Given the eight test leaves
        let leafHashes = Vectors.leaves.map(MerkleTree.leafHash)
        for size in 1...8 {
            // When the tree over the first `size` is folded
            // Then its root is the published one
            #expect(MerkleTree.root(leafHashes: leafHashes.prefix(size)) == Vectors.roots[size - 1], "size \(size)")
        }
        #expect(MerkleTree.root(leafHashes: []) == MerkleTree.emptyRoot)
    }

    @Test func inclusionProofsOfTheTestVectors() {
        let tree = ReferenceTree(leafHashes: Vectors.leaves.map(MerkleTree.leafHash))
        for (index, size, expected) in Vectors.inclusionProofs {
            // When the proof is made from the tree
            let proof = MerkleTree.inclusionProof(index: index, size: size, subtree: tree.root)
            // Then it is the published one, and it verifies against the published root
            #expect(proof.map(\.hexString) == expected, "leaf \(index) of \(size)")
            #expect(
                MerkleTree.verifyInclusion(
                    proof: proof, leafHash: tree.leafHashes[Int(index)], index: index, size: size, root: Vectors.roots[Int(size) - 1]))
        }
    }

    @Test func consistencyProofsOfTheTestVectors() {
        let tree = ReferenceTree(leafHashes: Vectors.leaves.map(MerkleTree.leafHash))
        for (old, new, expected) in Vectors.consistencyProofs {
            // When the proof between two of the test trees is made
            // Then it is the published one, and it holds between the published roots
            let proof = MerkleTree.consistencyProof(from: old, to: new, subtree: tree.root)
            #expect(proof.map(\.hexString) == expected, "\(old) to \(new)")
            #expect(
                MerkleTree.verifyConsistency(
                    proof: proof, from: old, to: new, oldRoot: Vectors.roots[Int(old) - 1], newRoot: Vectors.roots[Int(new) - 1]))
        }
    }

    @Test func everyInclusionProofUpTo64LeavesVerifiesAndNoAlteredOneDoes() {
        for size in Int64(1)...64 {
            // Given a tree of `size` leaves
            let tree = ReferenceTree.of(size: Int(size))
            let root = tree.root(0..<size)
            for index in 0..<size {
                // When the proof of each leaf is made
                let proof = MerkleTree.inclusionProof(index: index, size: size, subtree: tree.root)
                let leaf = tree.leafHashes[Int(index)]
                // Then it verifies
                #expect(MerkleTree.verifyInclusion(proof: proof, leafHash: leaf, index: index, size: size, root: root))
                // And it does not with another leaf, index or height of tree, or any of its hashes altered, dropped or added
                // (a tree one leaf larger may have the same path: the signed size and root together pin the tree)
                var wrong: [(String, [[UInt8]], [UInt8], Int64, Int64)] = [
                    ("index + 1", proof, leaf, index + 1, size), ("index - 1", proof, leaf, index - 1, size),
                    ("size * 2", proof, leaf, index, size * 2), ("size / 2", proof, leaf, index, size / 2),
                    ("an extra hash", proof + [root], leaf, index, size),
                ]
                if size > 1 { wrong.append(("another leaf", proof, tree.leafHashes[Int((index + 1) % size)], index, size)) }
                for position in proof.indices {
                    var altered = proof
                    altered[position][0] ^= 8
                    wrong.append(("hash \(position) altered", altered, leaf, index, size))
                }
                if !proof.isEmpty { wrong.append(("the last hash dropped", Array(proof.dropLast()), leaf, index, size)) }
                for (what, proof, leaf, index, size) in wrong {
                    #expect(
                        !MerkleTree.verifyInclusion(proof: proof, leafHash: leaf, index: index, size: size, root: root),
                        "leaf \(index) of \(size): \(what)")
                }
            }
        }
    }

    @Test func everyConsistencyProofUpTo64LeavesVerifiesAndNoAlteredOneDoes() {
        let tree = ReferenceTree.of(size: 64)
        for new in Int64(1)...64 {
            let newRoot = tree.root(0..<new)
            for old in 1...new {
                // Given two trees, one a prefix of the other, and the proof between them
                let oldRoot = tree.root(0..<old)
                let proof = MerkleTree.consistencyProof(from: old, to: new, subtree: tree.root)
                // Then it verifies
                #expect(MerkleTree.verifyConsistency(proof: proof, from: old, to: new, oldRoot: oldRoot, newRoot: newRoot))
                guard old < new else {
                    #expect(proof.isEmpty)
                    continue
                }
                // And it does not with other old sizes, another height of new tree, other roots, or any of its hashes
                // altered, dropped or added
                var wrong: [(String, [[UInt8]], Int64, Int64, [UInt8], [UInt8])] = [
                    ("old size + 1", proof, old + 1, new, oldRoot, newRoot), ("old size - 1", proof, old - 1, new, oldRoot, newRoot),
                    ("new size * 2", proof, old, new * 2, oldRoot, newRoot), ("new size / 2", proof, old, new / 2, oldRoot, newRoot),
                    ("roots swapped", proof, old, new, newRoot, oldRoot), ("no proof", [], old, new, oldRoot, newRoot),
                    ("an extra hash", proof + [newRoot], old, new, oldRoot, newRoot),
                    ("the last hash dropped", Array(proof.dropLast()), old, new, oldRoot, newRoot),
                    ("another old root", proof, old, new, tree.root(1..<old + 1), newRoot),
                ]
                for position in proof.indices {
                    var altered = proof
                    altered[position][0] ^= 16
                    wrong.append(("hash \(position) altered", altered, old, new, oldRoot, newRoot))
                }
                for (what, proof, old, new, oldRoot, newRoot) in wrong {
                    #expect(
                        !MerkleTree.verifyConsistency(proof: proof, from: old, to: new, oldRoot: oldRoot, newRoot: newRoot),
                        "\(old) to \(new): \(what)")
                }
            }
        }
    }

    @Test func theFrontierGivesEveryRootAndSurvivesStorage() throws {
        // Given a tree grown a leaf at a time, noting the perfect subtrees each leaf completes
        let tree = ReferenceTree.of(size: 200)
        var frontier = MerkleFrontier()
        var formed: [Range<Int64>: [UInt8]] = [:]
        for (index, leaf) in tree.leafHashes.enumerated() {
            frontier.append(leaf) { formed[$0] = $1 }
            // Then at every size its root is the tree's, and it stores as one root per set bit of the size
            let size = Int64(index + 1)
            #expect(frontier.root == tree.root(0..<size))
            #expect(frontier.roots.count == size.nonzeroBitCount)
            #expect(MerkleFrontier(size: size, bytes: frontier.bytes) == frontier)
        }
        // And the subtrees it reported are the aligned blocks of 2, 4, …, 128 leaves, with their roots
        #expect(formed.count == 100 + 50 + 25 + 12 + 6 + 3 + 1)
        #expect(formed[128..<192] == tree.root(128..<192))
        #expect(formed[0..<128] == tree.root(0..<128))
        #expect(MerkleFrontier(size: 3, bytes: [UInt8](repeating: 0, count: 32)) == nil)
    }

    @Test func anEventsLeafIsItsChainHashHashedAsALeaf() throws {
        // Given three events' chain hashes
        let hashes = (1...3).map { HashChain.hash(previous: HashChain.genesis, canonical: Array("event \($0)".utf8)) }
        // When they are made leaves and folded
        let root = MerkleTree.root(leafHashes: hashes.map(MerkleTree.eventLeaf))
        // Then Python's hashlib, given the hex the export shows, agrees
        let python = try Python.run(
            """
            import hashlib, sys
            h = lambda b: hashlib.sha256(b).digest()
            a, b, c = (h(b"\\x00" + bytes.fromhex(x)) for x in sys.stdin.read().split())
            print(h(b"\\x01" + h(b"\\x01" + a + b) + c).hex(), end="")
            """,
            input: hashes.map(\.hexString).joined(separator: " "))
        #expect(root.hexString == python)
    }
}

@Suite struct CheckpointTests {
    let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32))

    @Test func signsTheTextTheDesignGives() throws {
        // Given a checkpoint of 100 events
        let root = Vectors.roots[7]
        let checkpoint = try Checkpoint.signed(
            treeSize: 100, rootHash: root, timestamp: Timestamp(milliseconds: 1_764_093_336_007), key: key)
        // Then the signed message is exactly the documented text, and the signature verifies with the public key
        #expect(
            String(decoding: checkpoint.message, as: UTF8.self)
                == "emend-checkpoint/v1\n100\n5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n2025-11-25T17:55:36.007Z\n")
        #expect(checkpoint.isSigned(by: key.publicKey))
        #expect(
            checkpoint.json
                == [
                    "treeSize": 100, "rootHash": .string(root.hexString), "timestamp": "2025-11-25T17:55:36.007Z",
                    "signature": .string(checkpoint.signature.hexString),
                ])
    }

    @Test func anyChangeOrAnotherKeyBreaksTheSignature() throws {
        // Given a signed checkpoint
        let checkpoint = try Checkpoint.signed(
            treeSize: 100, rootHash: Vectors.roots[7], timestamp: Timestamp(milliseconds: 1_764_093_336_007), key: key)
        // When its size, root or time is changed, or another key checks it
        var larger = checkpoint, otherRoot = checkpoint, later = checkpoint
        larger.treeSize = 101
        otherRoot.rootHash = Vectors.roots[6]
        later.timestamp = Timestamp(milliseconds: 1_764_093_336_008)
        // Then the signature does not verify
        for altered in [larger, otherRoot, later] { #expect(!altered.isSigned(by: key.publicKey)) }
        #expect(!checkpoint.isSigned(by: Curve25519.Signing.PrivateKey().publicKey))
    }
}
