import EmendCore
import EmendStore
import Testing

@Suite struct QualityFlagsTests {
    /// A clean record, one at 0,0, one with latitude and longitude exchanged (Ghana is near 8°N 1°W), and one
    /// collected after the store's clock (2023-11-14).
    static let specimens = [
        Given.specimen(1),
        Given.specimen(2, ["decimalLatitude": "0", "decimalLongitude": "0"]),
        Given.specimen(3, ["country": "Ghana", "countryCode": "GH", "decimalLatitude": "-1.2", "decimalLongitude": "7.9"]),
        Given.specimen(4, ["eventDate": "2024-06-01", "year": "2024"]),
    ]

    static func id(_ number: Int) -> String { Identifiers.recordID(dataset: "test", key: "occ-\(number)") }

    static func search(_ store: Store, flags: [String] = [], facet: Bool = false, asOf: LogPosition? = nil) async throws -> SearchResult {
        var query = RecordQuery()
        if !flags.isEmpty { query.filters[.flag] = flags }
        if facet { query.facets = [.flag] }
        query.asOf = asOf
        query.limit = 100
        return try await store.search(query)
    }

    @Test func eachVersionIsFlaggedAsOfTheEventThatMadeIt() async throws {
        // Given the records imported
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        // When they are searched by flag
        let zero = try await Self.search(store, flags: ["ZERO_COORDINATE"])
        let swapped = try await Self.search(store, flags: ["PRESUMED_SWAPPED_COORDINATE", "RECORDED_DATE_UNLIKELY"])
        // Then each carries the flags the checks give its fields as of its import, and the filter finds them
        #expect(zero.records.map(\.id) == [Self.id(2)])
        #expect(zero.records.first?.flagsJSON == #"["ZERO_COORDINATE"]"#)
        #expect(swapped.records.map(\.id) == [Self.id(3), Self.id(4)])
        #expect(swapped.records.last?.flagsJSON == #"["RECORDED_DATE_UNLIKELY"]"#)
        #expect(try await Self.search(store).records.first?.flagsJSON == nil)
        let record = try store.record(id: Self.id(4))
        #expect(record.flags.codes == [.recordedDateUnlikely])
        #expect(record.flags.first?.message.contains("2024-06-01") == true)
    }

    @Test func aFacetCountsEachFlagNowAndAsOfThePast() async throws {
        // Given the records imported, then the zero coordinates and the swapped ones fixed by a re-import
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        let imported = try store.currentPosition()
        let fixed = [
            Self.specimens[0], Given.specimen(2, ["decimalLatitude": "51.5", "decimalLongitude": "-0.12"]),
            Given.specimen(3, ["country": "Ghana", "countryCode": "GH", "decimalLatitude": "7.9", "decimalLongitude": "-1.2"]),
            Self.specimens[3],
        ]
        try Given.imported(fixed, into: store)
        // When the flags are faceted now and as of the first import
        let now = try await Self.search(store, facet: true)
        let then = try await Self.search(store, facet: true, asOf: imported)
        // Then the fixes cleared their flags now, and the past keeps them
        #expect(now.facets.first?.values.map { "\($0.value) \($0.count)" } == ["RECORDED_DATE_UNLIKELY 1"])
        #expect(
            then.facets.first?.values.map { "\($0.value) \($0.count)" } == [
                "PRESUMED_SWAPPED_COORDINATE 1", "RECORDED_DATE_UNLIKELY 1", "ZERO_COORDINATE 1",
            ])
        #expect(try await Self.search(store, flags: ["ZERO_COORDINATE"]).total == 0)
        let past = try await Self.search(store, flags: ["ZERO_COORDINATE"], asOf: imported)
        #expect(past.total == 1 && past.records.map(\.id) == [Self.id(2)])
        #expect(try store.count("SELECT count(*) FROM record_flags") == 1)
    }

    @Test func aFacetOfWhatAFilterMatchesCountsTheFlagsOfThoseRecordsNowAndAsOfThePast() async throws {
        // Given the records imported, then the swapped coordinates in Ghana fixed by a re-import
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        let imported = try store.currentPosition()
        var fixed = Self.specimens
        fixed[2] = Given.specimen(3, ["country": "Ghana", "countryCode": "GH", "decimalLatitude": "7.9", "decimalLongitude": "-1.2"])
        try Given.imported(fixed, into: store)
        // When the flags of the records in Ghana, and of those of 2024, are faceted now and as of the first import
        func facet(_ term: SearchTerm, _ value: String, asOf: LogPosition? = nil) async throws -> [String] {
            var query = RecordQuery()
            if term == .year {
                query.yearFrom = Int(value)
                query.yearTo = Int(value)
            } else {
                query.filters[term] = [value]
            }
            query.facets = [.flag]
            query.asOf = asOf
            return try await store.search(query).facets.first?.values.map { "\($0.value) \($0.count)" } ?? []
        }
        // Then each counts the flags of the records it matches, as they were then
        #expect(try await facet(.country, "Ghana") == [])
        #expect(try await facet(.country, "Ghana", asOf: imported) == ["PRESUMED_SWAPPED_COORDINATE 1"])
        #expect(try await facet(.year, "2024") == ["RECORDED_DATE_UNLIKELY 1"])
        #expect(try await facet(.year, "2024", asOf: imported) == ["RECORDED_DATE_UNLIKELY 1"])
    }

    @Test func replayGivesTheSameFlagsAndVerifyChecksThem() throws {
        // Given flagged records, one of them revised, and their verified read models
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        try Given.imported([Given.specimen(1, ["decimalLatitude": "0", "decimalLongitude": "0"])] + Self.specimens.dropFirst(), into: store)
        let before = try store.verify()
        // When the read models are rebuilt from the log, long after (the store's clock has moved on)
        try store.replay()
        // Then the flags are those of then: the future date stays flagged
        #expect(try store.verify() == before)
        #expect(try store.count("SELECT count(*) FROM record_flags WHERE code = 'RECORDED_DATE_UNLIKELY'") == 1)
        // And a changed flag, a missing or a stray entry of the index is found
        for (tampering, reason) in [
            ("UPDATE records SET flags = NULL WHERE id = '\(Self.id(2))'", "records.flags of \(Self.id(2)) differs from a replay of the log"),
            (#"UPDATE record_history SET flags = '["DEPTH_UNLIKELY"]'"#, "record_history.flags of version 1 of \(Self.id(1)) differs from a replay of the log"),
            ("DELETE FROM record_flags WHERE code = 'ZERO_COORDINATE' AND record_rowid = 2",
             "record_flags has 3 entries; the records have 4 flags"),
            ("INSERT INTO record_flags VALUES ('DEPTH_UNLIKELY', 1)", "record_flags has 5 entries; the records have 4 flags"),
            ("UPDATE record_flags SET code = 'DEPTH_UNLIKELY' WHERE code = 'ZERO_COORDINATE' AND record_rowid = 2",
             "record_flags has entries that are not its records' flags"),
        ] {
            try store.writer.write { db in try db.execute(sql: tampering) }
            #expect {
                try store.verify()
            } throws: { error in
                guard case StoreError.corrupt(_, let found) = error else { return false }
                return found == reason
            }
            try store.replay()
        }
    }
}
