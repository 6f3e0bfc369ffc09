import EmendCore
import Foundation
import Testing

@Suite struct CanonicalJSONTests {
    @Test func sortsKeysByCodePointAtEveryLevelWithoutWhitespace() {
        // Given an object whose keys are out of order at two levels, with non-ASCII and a key that sorts by code point
        let value: JSONValue = ["b": ["z": 1, "a": true], "a": "é", "B": nil, "ä": []]
        // When it is encoded
        let text = CanonicalJSON.string(value)
        // Then keys are sorted as Python sorts them and nothing is escaped but what JSON requires
        #expect(text == #"{"B":null,"a":"é","b":{"a":true,"z":1},"ä":[]}"#)
    }

    @Test func escapesOnlyWhatPythonEscapes() {
        let text = CanonicalJSON.string(.string("q\"b\\n\nt\tc\u{1}d\u{7f}😀"))
        #expect(text == #""q\"b\\n\nt\tc\u0001d"# + "\u{7f}😀\"")
    }

    @Test func matchesPythonJSONDumps() throws {
        // Given a value with every kind of leaf
        let value: JSONValue = [
            "s": "Ångström \u{2028} \"quoted\" / back\\slash", "i": -42, "big": 9_007_199_254_740_993, "t": true,
            "f": false, "n": nil, "a": ["x", 1, ["k": "v"]], "ctl": "\u{0}\u{8}\u{c}\u{1f}",
        ]
        // When both Emend and Python write it canonically
        let python = try Python.run(
            "import json,sys; print(json.dumps(json.loads(sys.stdin.read()), sort_keys=True, separators=(',', ':'), ensure_ascii=False), end='')",
            input: CanonicalJSON.string(value))
        // Then they agree byte for byte
        #expect(python == CanonicalJSON.string(value))
    }

    @Test func parsesWhatItWritesAndRefusesFloatingPoint() throws {
        let value: JSONValue = ["a": ["b": [1, -2, "x\u{1}y", nil, false]], "é": "\u{10348}"]
        #expect(try JSONParser.parse(CanonicalJSON.string(value)) == value)
        #expect(try JSONParser.parse(#" {"s" : "\ud800\udf48\u00e9" } "#) == ["s": "\u{10348}é"])
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(#"{"lat": 51.5}"#) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(#"{"a": 1, "a": 2}"#) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(#"{"a": 1"#) }
    }

    @Test func sortsKeysThatShareALongPrefixAsPythonDoes() throws {
        // Given record fields whose keys share their first eight bytes or more, or are prefixes of one another
        let fields = [
            "decimalLongitude": "1", "decimalLatitude": "2", "decimal": "3", "decimalLatitudeX": "4",
            "scientificNameAuthorship": "5", "scientificName": "6", "décimal": "7", "decimal\u{0}": "8", "": "9",
        ]
        // When both Emend and Python write them canonically
        let text = CanonicalJSON.string(fields)
        let python = try Python.run(
            "import json,sys; print(json.dumps(json.loads(sys.stdin.read()), sort_keys=True, separators=(',', ':'), ensure_ascii=False), end='')",
            input: text)
        // Then they agree byte for byte
        #expect(python == text)
    }

    @Test func readsAnObjectMemberByMemberWithoutBuildingIt() throws {
        // Given canonical event data
        let text = Array(#"{"dataset":"d\"x","extensions":{"M":[{"a":"b"}]},"fields":{"a":"1","b":"é\n"},"n":{"k":2}}"#.utf8)
        var read: [String: String] = [:]
        var maps: [String: [String: String]] = [:]
        try text.withUnsafeBufferPointer { data in
            // When it is read member by member, the maps of strings read as such and the rest skipped
            try JSONParser.forEachMember(data) { key, parser throws(JSONParser.Failure) in
                let start = parser.offset
                if key == "dataset" { try parser.skip() } else { maps[key] = try parser.readStringMap() ?? ["not": "strings"] }
                read[key] = String(decoding: UnsafeBufferPointer(rebasing: data[start..<parser.offset]), as: UTF8.self)
            }
        }
        // Then each value's text is where it lies, and only the map of strings reads as one
        #expect(read == [
            "dataset": #""d\"x""#, "extensions": #"{"M":[{"a":"b"}]}"#, "fields": #"{"a":"1","b":"é\n"}"#, "n": #"{"k":2}"#,
        ])
        #expect(maps == ["extensions": ["not": "strings"], "fields": ["a": "1", "b": "é\n"], "n": ["not": "strings"]])
        // And text that is not valid JSON is refused
        for bad in [#"{"a":"1","a":"2"}"#, #"{"f":{"a":"1","a":"2"}}"#, #"{"a":1.5}"#, #"{"a":"1""#, #"{"a":{"b":[1,}}"#, #"{"a":"\q"}"#] {
            #expect(throws: JSONParser.Failure.self) {
                try Array(bad.utf8).withUnsafeBufferPointer { data in
                    try JSONParser.forEachMember(data) { key, parser throws(JSONParser.Failure) in
                        if key == "f" { _ = try parser.readStringMap() } else { try parser.skip() }
                    }
                }
            }
        }
    }

    @Test(arguments: [0, 1, -1, 9, 10, -10, 99, 100, 1_000_000, 999_999_999_999, Int64.max, Int64.min, Int64.min + 1] as [Int64])
    func writesIntegersAsStringDoes(number: Int64) {
        // Given a buffer with something in it already
        var out = Array("x".utf8)

        // When a number is written after it
        CanonicalJSON.writeInteger(number, into: &out)

        // Then it reads as String(number) does
        #expect(String(decoding: out, as: UTF8.self) == "x" + String(number))
    }
}
