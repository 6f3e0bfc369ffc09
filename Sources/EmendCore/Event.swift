import Crypto

/// What a command decides should happen: an event not yet in the log. The store gives it `seq`, `id`,
/// `streamVersion`, `recordedAt` and its hash when it appends.
public struct NewEvent: Sendable, Equatable {
    public var stream: String
    public var type: String
    public var actor: String
    public var data: JSONValue

    public init(stream: String, type: String, actor: String, data: JSONValue) {
        self.stream = stream
        self.type = type
        self.actor = actor
        self.data = data
    }
}

/// An event as the log holds it (DESIGN §2).
public struct RecordedEvent: Sendable, Equatable {
    public var seq: Int64
    public var id: String
    public var stream: String
    public var streamVersion: Int64
    public var type: String
    public var recordedAt: Timestamp
    public var actor: String
    public var data: JSONValue

    public init(
        seq: Int64, id: String, stream: String, streamVersion: Int64, type: String, recordedAt: Timestamp,
        actor: String, data: JSONValue
    ) {
        self.seq = seq
        self.id = id
        self.stream = stream
        self.streamVersion = streamVersion
        self.type = type
        self.recordedAt = recordedAt
        self.actor = actor
        self.data = data
    }
}

/// The log's hash chain: `hash(e) = SHA-256(prevHash || canonical(e))`, `prevHash` of seq 1 = 32 zero bytes.
public enum HashChain {
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// `canonical(e)`: the JSON of {actor, data, id, recordedAt, seq, stream, streamVersion, type}, keys sorted.
    /// `data` is passed as its canonical text so that the store can chain stored events without re-parsing them.
    public static func canonical(
        seq: Int64, id: String, stream: String, streamVersion: Int64, type: String, recordedAt: Timestamp,
        actor: String, canonicalData: some Collection<UInt8>
    ) -> [UInt8] {
        canonical(
            seq: seq, id: id, stream: stream, streamVersion: streamVersion, type: type, recordedAt: recordedAt.rfc3339,
            actor: actor, canonicalData: canonicalData)
    }

    /// `canonical(e)` with `recordedAt` already written as RFC 3339: the many events of one transaction share it.
    public static func canonical(
        seq: Int64, id: String, stream: String, streamVersion: Int64, type: String, recordedAt: String,
        actor: String, canonicalData: some Collection<UInt8>
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(canonicalData.count + 200)
        out.append(contentsOf: #"{"actor":"#.utf8)
        CanonicalJSON.writeString(actor, into: &out)
        out.append(contentsOf: #","data":"#.utf8)
        out.append(contentsOf: canonicalData)
        out.append(contentsOf: #","id":"#.utf8)
        CanonicalJSON.writeString(id, into: &out)
        out.append(contentsOf: #","recordedAt":"#.utf8)
        CanonicalJSON.writeString(recordedAt, into: &out)
        out.append(contentsOf: #","seq":"#.utf8)
        out.append(contentsOf: String(seq).utf8)
        out.append(contentsOf: #","stream":"#.utf8)
        CanonicalJSON.writeString(stream, into: &out)
        out.append(contentsOf: #","streamVersion":"#.utf8)
        out.append(contentsOf: String(streamVersion).utf8)
        out.append(contentsOf: #","type":"#.utf8)
        CanonicalJSON.writeString(type, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    public static func canonical(_ event: RecordedEvent) -> [UInt8] {
        canonical(
            seq: event.seq, id: event.id, stream: event.stream, streamVersion: event.streamVersion, type: event.type,
            recordedAt: event.recordedAt, actor: event.actor, canonicalData: CanonicalJSON.encode(event.data))
    }

    public static func hash(previous: [UInt8], canonical: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: canonical)
        return Array(hasher.finalize())
    }
}

extension Array where Element == UInt8 {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init?(hexString: String) {
        let chars = Array(hexString.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(chars.count / 2)
        for index in stride(from: 0, to: chars.count, by: 2) {
            guard let high = Self.nibble(chars[index]), let low = Self.nibble(chars[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self = bytes
    }

    private static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case 48...57: return char - 48
        case 97...102: return char - 87
        case 65...70: return char - 55
        default: return nil
        }
    }
}
