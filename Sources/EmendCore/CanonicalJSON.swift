/// The canonical JSON text of DESIGN §2: keys sorted by code point at every level, no whitespace, UTF-8,
/// non-ASCII not escaped — byte for byte what Python's
/// `json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes.
public enum CanonicalJSON {
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, into: &out)
        return out
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    public static func string(_ fields: [String: String]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(fields, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .string(let text): writeString(text, into: &out)
        case .int(let number): writeInteger(number, into: &out)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            writeObject(members, into: &out) { write($0, into: &$1) }
        }
    }

    /// A whole number in decimal, as `String(number)` writes it, without making the String: verify writes two for
    /// every event it hashes.
    public static func writeInteger(_ number: Int64, into out: inout [UInt8]) {
        if number < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude, digits = 1, rest = magnitude / 10
        while rest != 0 {
            digits += 1
            rest /= 10
        }
        var index = out.count + digits
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        repeat {
            index -= 1
            out[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude != 0
    }

    /// A map of strings (record fields) as a canonical JSON object, without building a `JSONValue` first.
    public static func write(_ fields: [String: String], into out: inout [UInt8]) {
        writeObject(fields, into: &out) { writeString($0, into: &$1) }
    }

    private static func writeObject<Value>(
        _ members: [String: Value], into out: inout [UInt8], value writeValue: (Value, inout [UInt8]) -> Void
    ) {
        // Sorting compares keys mostly by their first eight bytes, read once per key rather than once per comparison:
        // this sort runs for every record of an import.
        let sorted = members.map { (prefix: bytePrefix($0.key), member: $0) }.sorted {
            $0.prefix != $1.prefix ? $0.prefix < $1.prefix : utf8Precedes($0.member.key, $1.member.key)
        }
        out.append(UInt8(ascii: "{"))
        for (index, entry) in sorted.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(entry.member.key, into: &out)
            out.append(UInt8(ascii: ":"))
            writeValue(entry.member.value, &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The first eight UTF-8 bytes as a big-endian number (zero-padded): ordered as the bytes are.
    private static func bytePrefix(_ text: String) -> UInt64 {
        var prefix: UInt64 = 0
        var count = 0
        for byte in text.utf8.prefix(8) {
            prefix = prefix << 8 | UInt64(byte)
            count += 1
        }
        return prefix << (8 * UInt64(8 - count))
    }

    /// Python sorts keys by code point; for UTF-8 that is the order of the bytes.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    public static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        let plain = text.withUTF8 { bytes in
            // Most values need no escaping: copy them whole.
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
