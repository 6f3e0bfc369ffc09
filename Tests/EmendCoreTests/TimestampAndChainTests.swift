import Foundation
import EmendCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_764_093_336_007, "2025-11-25T17:55:36.007Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func rendersOneWay(milliseconds: Int64, text: String) {
        #expect(Timestamp(milliseconds: milliseconds).rfc3339 == text)
        #expect(Timestamp(rfc3339: text)?.milliseconds == milliseconds)
    }

    @Test func parsesOffsetsFractionsAndDates() {
        #expect(Timestamp(rfc3339: "2025-11-25T18:55:36.5+01:00")?.rfc3339 == "2025-11-25T17:55:36.500Z")
        #expect(Timestamp(rfc3339: "2025-11-25T17:55:36.123456Z")?.rfc3339 == "2025-11-25T17:55:36.123Z")
        #expect(Timestamp(rfc3339: "2025-11-25")?.rfc3339 == "2025-11-25T00:00:00.000Z")
        #expect(Timestamp(rfc3339: "2025-02-30") == nil)
        #expect(Timestamp(rfc3339: "2025-11-25T17:55") == nil)
        #expect(Timestamp(rfc3339: "yesterday") == nil)
    }
}

@Suite struct HashChainTests {
    @Test func canonicalFormIsTheDesignsAndHashesChain() {
        // Given an event
        let event = RecordedEvent(
            seq: 1, id: "00000000-0000-0000-0000-000000000001", stream: "record/abc", streamVersion: 1,
            type: "RecordImported", recordedAt: Timestamp(milliseconds: 0), actor: "system",
            data: ["fields": ["country": "Côte d'Ivoire"], "dataset": "d"])
        // When it is put in canonical form and hashed after the genesis hash
        let canonical = String(decoding: HashChain.canonical(event), as: UTF8.self)
        let hash = HashChain.hash(previous: HashChain.genesis, canonical: HashChain.canonical(event))
        // Then the form is the one DESIGN §2 gives and the hash is SHA-256 of 32 zero bytes then that text
        #expect(canonical == #"{"actor":"system","data":{"dataset":"d","fields":{"country":"Côte d'Ivoire"}},"id":"00000000-0000-0000-0000-000000000001","recordedAt":"1970-01-01T00:00:00.000Z","seq":1,"stream":"record/abc","streamVersion":1,"type":"RecordImported"}"#)
        let python = try? Python.run(
            "import hashlib,sys; print(hashlib.sha256(bytes(32) + sys.stdin.buffer.read()).hexdigest(), end='')",
            input: canonical)
        #expect(hash.hexString == python)
    }
}

@Suite struct IdentifierTests {
    @Test func recordIDsAreStableURLSafeAndDependOnTheDataset() {
        let id = Identifiers.recordID(dataset: "nhm", key: "urn:catalog:NHMUK:BMNH:1234")
        #expect(id == Identifiers.recordID(dataset: "nhm", key: "urn:catalog:NHMUK:BMNH:1234"))
        #expect(id != Identifiers.recordID(dataset: "other", key: "urn:catalog:NHMUK:BMNH:1234"))
        #expect(id.count == 20 && id.allSatisfy { $0.isLowercase || $0.isNumber })
        // Base32 of the first 13 bytes of SHA-256("nhm" 0x1F key), as Python's base64.b32encode gives it.
        #expect(id == "zshuduwi5prbtjw4ickb")
        #expect(Identifiers.slug("CPMR Ghana — herbarium (2024)") == "cpmr-ghana-herbarium-2024")
    }

    @Test func randomUUIDsAreVersion4InLowerCase() throws {
        let ids = (0..<1_000).map { _ in Identifiers.randomUUID() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil)
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
        }
    }

    @Test func theKeyIsOccurrenceIDThenCoreIDThenTheTriplet() {
        #expect(SourceRecord.key(fields: ["occurrenceID": "o1", "catalogNumber": "c"], coreID: "x") == "o1")
        #expect(SourceRecord.key(fields: ["catalogNumber": "c"], coreID: "x") == "x")
        #expect(SourceRecord.key(fields: ["institutionCode": "NHM", "catalogNumber": "c"], coreID: "") == "NHM::c")
        #expect(SourceRecord.key(fields: ["country": "GB"], coreID: nil) == nil)
    }
}
