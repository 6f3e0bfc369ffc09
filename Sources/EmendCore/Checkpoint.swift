import Crypto

/// The store's signed word on the log: the Merkle root of its first `treeSize` events, at a time. Anyone holding
/// the public key can check it, and once a checkpoint is out, no change to those events can go unseen: the root of
/// the rewritten log would differ, and consistency proofs from it to later checkpoints would fail.
public struct Checkpoint: Sendable, Equatable {
    public var treeSize: Int64
    public var rootHash: [UInt8]
    public var timestamp: Timestamp
    /// Ed25519 over `message`.
    public var signature: [UInt8]

    public init(treeSize: Int64, rootHash: [UInt8], timestamp: Timestamp, signature: [UInt8]) {
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.timestamp = timestamp
        self.signature = signature
    }

    /// Signs the root of the first `treeSize` events.
    public static func signed(
        treeSize: Int64, rootHash: [UInt8], timestamp: Timestamp, key: Curve25519.Signing.PrivateKey
    ) throws -> Checkpoint {
        let signature = try key.signature(for: message(treeSize: treeSize, rootHash: rootHash, timestamp: timestamp))
        return Checkpoint(treeSize: treeSize, rootHash: rootHash, timestamp: timestamp, signature: Array(signature))
    }

    /// The text that is signed, in UTF-8: `emend-checkpoint/v1\n<treeSize>\n<rootHash hex>\n<timestamp>\n`, the
    /// timestamp in RFC 3339 with milliseconds and `Z`. Plain text, so that any tool can rebuild it.
    public static func message(treeSize: Int64, rootHash: [UInt8], timestamp: Timestamp) -> [UInt8] {
        Array("emend-checkpoint/v1\n\(treeSize)\n\(rootHash.hexString)\n\(timestamp.rfc3339)\n".utf8)
    }

    public var message: [UInt8] { Self.message(treeSize: treeSize, rootHash: rootHash, timestamp: timestamp) }

    public func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
        key.isValidSignature(signature, for: message)
    }

    /// `{"treeSize", "rootHash", "timestamp", "signature"}`, hashes and signature in lowercase hex.
    public var json: JSONValue {
        [
            "treeSize": .int(treeSize), "rootHash": .string(rootHash.hexString), "timestamp": .string(timestamp.rfc3339),
            "signature": .string(signature.hexString),
        ]
    }
}
