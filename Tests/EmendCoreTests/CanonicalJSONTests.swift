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

    @Test func readsTheMembersOfAnObjectWithoutBuildingThem() throws {
        // Given canonical event data
        let text = Array(#"{"dataset":"d\"x","extensions":{"M":[{"a":"b"}]},"fields":{"a":"1","b":"é\n"}}"#.utf8)
        try text.withUnsafeBufferPointer { data in
            // When its members are read
            let members = try JSONParser.members(data)
            // Then each value's text is where it lies, and a map of strings reads as one
            #expect(members.map(\.key) == ["dataset", "extensions", "fields"])
            let fields = UnsafeBufferPointer(rebasing: data[members[2].value])
            #expect(String(decoding: fields, as: UTF8.self) == #"{"a":"1","b":"é\n"}"#)
            #expect(try JSONParser.stringMap(fields) == ["a": "1", "b": "é\n"])
            #expect(try JSONParser.stringMap(UnsafeBufferPointer(rebasing: data[members[1].value])) == nil)
        }
        // And text that is not valid JSON is refused either way
        for bad in [#"{"a":"1","a":"2"}"#, #"{"a":1.5}"#, #"{"a":"1""#, #"{"a":{"b":[1,}}"#, #"{"a":"\q"}"#] {
            #expect(throws: JSONParser.Failure.self) { try Array(bad.utf8).withUnsafeBufferPointer { _ = try JSONParser.stringMap($0) } }
            #expect(throws: JSONParser.Failure.self) { try Array(bad.utf8).withUnsafeBufferPointer { _ = try JSONParser.members($0) } }
        }
    }
}
