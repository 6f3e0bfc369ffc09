import Crypto

/// The Merkle tree of RFC 6962 §2.1 over the log, as Certificate Transparency keeps one: leaf i is event seq i + 1,
/// hashed from the event's chain hash. A signed root commits to every event and its place, and a few hashes (a proof)
/// show that an event is in the tree, or that a later tree extends an earlier one, without the rest of the log.
///
/// Leaves are numbered from 0 and ranges of them are half-open, as in the RFC: `0..<size` is the whole tree.
public enum MerkleTree {
    /// The root of the tree with no leaves: SHA-256 of nothing.
    public static let emptyRoot = Array(SHA256.hash(data: [UInt8]()))

    /// SHA-256(0x00 ‖ data): the hash of a leaf. The prefixes keep a leaf from passing for an inner node.
    public static func leafHash(_ data: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: data)
        return Array(hasher.finalize())
    }

    /// SHA-256(0x01 ‖ left ‖ right): the hash of an inner node.
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The leaf of an event: its 32-byte chain hash (`events.hash`, `hash` in the export) hashed as a leaf.
    public static func eventLeaf(_ eventHash: [UInt8]) -> [UInt8] {
        leafHash(eventHash)
    }

    /// The root over leaf hashes in order (MTH of RFC 6962 §2.1).
    public static func root(leafHashes: some Sequence<[UInt8]>) -> [UInt8] {
        var frontier = MerkleFrontier()
        for leaf in leafHashes { frontier.append(leaf) }
        return frontier.root
    }

    /// Where RFC 6962 splits a tree of `size` leaves (size > 1): the largest power of two smaller than `size`.
    public static func split(_ size: Int64) -> Int64 {
        precondition(size > 1)
        return 1 << (63 - (size - 1).leadingZeroBitCount)
    }

    /// The audit path of leaf `index` in the tree of `size` leaves (RFC 6962 §2.1.1): the roots of the subtrees
    /// beside the leaf's path, from the leaf up. `subtree` gives the root of a range of leaves.
    public static func inclusionProof(
        index: Int64, size: Int64, subtree: (Range<Int64>) throws -> [UInt8]
    ) rethrows -> [[UInt8]] {
        precondition(0 <= index && index < size)
        var proof: [[UInt8]] = []
        var range: Range<Int64> = 0..<size
        // From the root down, keeping the side that holds the leaf and noting the other.
        while range.count > 1 {
            let middle = range.lowerBound + split(Int64(range.count))
            if index < middle {
                proof.append(try subtree(middle..<range.upperBound))
                range = range.lowerBound..<middle
            } else {
                proof.append(try subtree(range.lowerBound..<middle))
                range = middle..<range.upperBound
            }
        }
        return proof.reversed()
    }

    /// The proof that the tree of `newSize` leaves extends the tree of `oldSize` (RFC 6962 §2.1.2), for
    /// 0 < oldSize ≤ newSize; empty when the sizes are equal. `subtree` gives the root of a range of leaves.
    public static func consistencyProof(
        from oldSize: Int64, to newSize: Int64, subtree: (Range<Int64>) throws -> [UInt8]
    ) rethrows -> [[UInt8]] {
        precondition(0 < oldSize && oldSize <= newSize)
        var proof: [[UInt8]] = []
        var range: Range<Int64> = 0..<newSize
        var old = oldSize  // the old tree's leaves within `range`
        // Whether `range` starts where the old tree does: the verifier then knows its root already.
        var atOldRoot = true
        // SUBPROOF of the RFC, from the root down; its hashes are listed from the bottom up.
        while old != Int64(range.count) {
            let middle = range.lowerBound + split(Int64(range.count))
            if range.lowerBound + old <= middle {
                proof.append(try subtree(middle..<range.upperBound))
                range = range.lowerBound..<middle
            } else {
                proof.append(try subtree(range.lowerBound..<middle))
                old -= middle - range.lowerBound
                range = middle..<range.upperBound
                atOldRoot = false
            }
        }
        if !atOldRoot { proof.append(try subtree(range)) }
        return proof.reversed()
    }

    /// The root that an audit path leads to from a leaf (RFC 9162 §2.1.3.2); nil when the path cannot belong to
    /// leaf `index` of a tree of `size` leaves.
    public static func root(
        fromInclusionProof proof: [[UInt8]], leafHash: [UInt8], index: Int64, size: Int64
    ) -> [UInt8]? {
        guard 0 <= index, index < size, leafHash.count == 32, proof.allSatisfy({ $0.count == 32 }) else { return nil }
        var node = index, last = size - 1
        var hash = leafHash
        for sibling in proof {
            guard last != 0 else { return nil }
            if node & 1 == 1 || node == last {
                hash = nodeHash(sibling, hash)
                // A right edge with no sibling at some levels: climb them.
                while node & 1 == 0 && node != 0 {
                    node >>= 1
                    last >>= 1
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            node >>= 1
            last >>= 1
        }
        return last == 0 ? hash : nil
    }

    public static func verifyInclusion(proof: [[UInt8]], leafHash: [UInt8], index: Int64, size: Int64, root: [UInt8]) -> Bool {
        Self.root(fromInclusionProof: proof, leafHash: leafHash, index: index, size: size) == root
    }

    /// Whether `proof` shows that the tree of `newSize` leaves with root `newRoot` extends the tree of `oldSize`
    /// leaves with root `oldRoot` (RFC 9162 §2.1.4.2). Every tree extends the empty one.
    public static func verifyConsistency(
        proof: [[UInt8]], from oldSize: Int64, to newSize: Int64, oldRoot: [UInt8], newRoot: [UInt8]
    ) -> Bool {
        guard 0 <= oldSize, oldSize <= newSize, proof.allSatisfy({ $0.count == 32 }) else { return false }
        if oldSize == 0 { return proof.isEmpty }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        guard !proof.isEmpty else { return false }
        // The proof leaves out the old root when the old tree is a whole subtree of the new one.
        let path = oldSize & (oldSize - 1) == 0 ? [oldRoot] + proof : proof
        var node = oldSize - 1, last = newSize - 1
        while node & 1 == 1 {
            node >>= 1
            last >>= 1
        }
        var old = path[0], new = path[0]
        for hash in path.dropFirst() {
            guard last != 0 else { return false }
            if node & 1 == 1 || node == last {
                old = nodeHash(hash, old)
                new = nodeHash(hash, new)
                while node & 1 == 0 && node != 0 {
                    node >>= 1
                    last >>= 1
                }
            } else {
                new = nodeHash(new, hash)
            }
            node >>= 1
            last >>= 1
        }
        return last == 0 && old == oldRoot && new == newRoot
    }
}

/// A tree that grows a leaf at a time, kept as its frontier: the roots of the perfect subtrees that its size's binary
/// decomposition gives, largest (leftmost) first — at most 64 hashes, whatever the size. Folding new leaves into it,
/// and taking its root, needs none of the leaves before.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: Int64 = 0
    public private(set) var roots: [[UInt8]] = []

    public init() {}

    /// A frontier as `bytes` stores it; nil unless it holds exactly the roots a tree of `size` leaves has.
    public init?(size: Int64, bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard size >= 0, bytes.count == 32 * size.nonzeroBitCount else { return nil }
        self.size = size
        roots = stride(from: 0, to: bytes.count, by: 32).map { Array(bytes[$0..<$0 + 32]) }
    }

    /// The roots, 32 bytes each, one after the other.
    public var bytes: [UInt8] { roots.flatMap { $0 } }

    public mutating func append(_ leafHash: [UInt8]) {
        append(leafHash) { _, _ in }
    }

    /// Adds the next leaf. `formed` is told of each perfect subtree of two or more leaves that the leaf completes:
    /// its range of leaves and its root.
    public mutating func append(_ leafHash: [UInt8], formed: (Range<Int64>, [UInt8]) throws -> Void) rethrows {
        var node = leafHash
        var width: Int64 = 1
        // Each set low bit of the size is a subtree as wide as the new node, and to its left: join them.
        while size & width != 0 {
            node = MerkleTree.nodeHash(roots.removeLast(), node)
            width <<= 1
            try formed((size + 1 - width)..<(size + 1), node)
        }
        roots.append(node)
        size += 1
    }

    /// The root of the whole tree: the subtree roots joined from the right, as RFC 6962 splits a tree.
    public var root: [UInt8] {
        guard var root = roots.last else { return MerkleTree.emptyRoot }
        for left in roots.dropLast().reversed() { root = MerkleTree.nodeHash(left, root) }
        return root
    }
}
