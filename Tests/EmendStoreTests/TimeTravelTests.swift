import EmendCore
import EmendStore
import Foundation
import GRDB
import Testing

@Suite struct TimeTravelTests {
    /// Thirty specimens: Quercus, Fagus and Apis in turn, in three countries, collected 1901 to 1930, every fifth
    /// at CNCI rather than NHMUK.
    static let specimens = (1...30).map { number in
        Given.specimen(
            number,
            [
                "scientificName": ["Apis mellifera", "Fagus sylvatica", "Quercus robur"][number % 3],
                "country": ["United Kingdom", "France", "Ghana"][number / 2 % 3], "year": String(1900 + number),
                "institutionCode": number % 5 == 0 ? "CNCI" : "NHMUK",
            ])
    }

    static func id(_ number: Int, dataset: String = "test") -> String {
        Identifiers.recordID(dataset: dataset, key: "occ-\(number)")
    }

    /// Words, a filter and facets, three to a page.
    static func query(sort: SearchSort = SearchSort(), asOf: LogPosition? = nil) -> RecordQuery {
        var query = RecordQuery()
        query.text = "quercus"
        query.filters[.institutionCode] = ["NHMUK"]
        query.facets = [.country, .year]
        query.sort = sort
        query.limit = 3
        query.asOf = asOf
        return query
    }

    /// Every page of a search, following `next`.
    static func pages(_ store: Store, _ query: RecordQuery) async throws -> [SearchResult] {
        var query = query
        var pages: [SearchResult] = []
        repeat {
            pages.append(try await store.search(query))
            query.cursor = pages.last?.next
        } while query.cursor != nil
        return pages
    }

    /// A curator accepts a contributor's proposal to change `changes` on a record.
    static func accept(_ changes: [String: String?], on id: String, in store: Store) throws {
        let contributor = try store.user(named: "ada") ?? store.addUser(name: "ada", role: .contributor, scopes: []).0
        let curator = try store.user(named: "kim") ?? store.addUser(name: "kim", role: .curator, scopes: ["NHMUK", "CNCI"]).0
        let proposal = try store.submitProposal(
            record: id, baseVersion: try store.record(id: id).state.version, changes: changes, rationale: "label", actor: contributor)
        _ = try store.acceptProposal(proposal.id, terms: nil, edits: [:], note: nil, curator: curator)
    }

    /// After S: accepted proposals that change names, countries and years (a record leaves the search, another
    /// joins it, one moves in the sort), a re-import that changes some records (one twice), moves one to another
    /// institution and adds new ones, and a new dataset.
    /// The search finds Quercus at NHMUK: specimens 2, 8, 11, 14, 17, 23, 26 and 29 to begin with.
    static func changeEverything(_ store: Store) throws {
        try accept(["scientificName": "Fagus sylvatica"], on: id(2), in: store)
        try accept(["scientificName": "Quercus petraea"], on: id(4), in: store)
        try accept(["country": "Peru", "year": "1800"], on: id(8), in: store)
        var source = specimens + (31...34).map { Given.specimen($0) }
        source[10].fields["country"] = "Chile"
        source[13].fields["institutionCode"] = "CNCI"
        source[16].fields["year"] = "2001"
        try Given.imported(source, into: store)
        try accept(["country": "Argentina"], on: id(11), in: store)
        try Given.imported((1...4).map { Given.specimen($0) }, into: store, dataset: "other")
    }

    @Test(arguments: [SearchSort(), SearchSort(term: .year, descending: true), SearchSort(term: .country)])
    func aSearchAsOfSeqSReturnsExactlyWhatItReturnedThen(sort: SearchSort) async throws {
        // Given thirty records, and the pages of a search with words, a filter and facets when the log ended at S,
        // searched both plainly and as of S
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        let s = try store.position(asOf: String(try store.lastSeq()))
        let then = try await Self.pages(store, Self.query(sort: sort))
        let asOfThen = try await Self.pages(store, Self.query(sort: sort, asOf: s))
        #expect(then.count == 3 && then[0].total == 8)
        #expect(asOfThen.map(\.records) == then.map(\.records))
        #expect(asOfThen.map(\.total) == then.map(\.total))
        #expect(asOfThen.map { $0.facets.map(\.values) } == then.map { $0.facets.map(\.values) })
        // When records change in every way after S
        try Self.changeEverything(store)
        #expect(try await Self.pages(store, Self.query(sort: sort)).map(\.records) != then.map(\.records))
        // Then the same search as of S gives the same pages: records, total, facets and cursors
        #expect(try await Self.pages(store, Self.query(sort: sort, asOf: s)) == asOfThen)
        // And so it does from read models rebuilt from the log
        try store.replay()
        #expect(try await Self.pages(store, Self.query(sort: sort, asOf: s)) == asOfThen)
    }

    @Test func aSearchAsOfAnySeqIsTheSearchOfTheReadModelsReplayedUntilThen() async throws {
        // Given a log where records change in every way
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        try Self.changeEverything(store)
        let last = try store.lastSeq()
        var queries = [Self.query(), Self.query(sort: SearchSort(term: .year))]
        queries.append(RecordQuery())
        queries[2].facets = [.country, .institutionCode, .dataset]
        queries.append(RecordQuery())
        queries[3].filters[.country] = ["Ghana", "Chile", "Peru"]
        queries[3].yearFrom = 1905
        queries[3].facets = [.year]
        queries.append(RecordQuery())
        queries[4].text = "quercus"
        queries.append(RecordQuery())
        queries[5].boundingBox = BoundingBox(minLongitude: -1, minLatitude: 50, maxLongitude: 1, maxLatitude: 53)
        queries[5].hasCoordinates = true
        // When, at every seq S, the read models are replayed until S and searched
        var replayed: [Int64: [[SearchResult]]] = [:]
        for seq in stride(from: Int64(0), through: last, by: 1) {
            try store.replay(until: seq)
            replayed[seq] = try await queries.asyncMap { try await Self.pages(store, $0) }
        }
        try store.replay()
        // Then the search as of S finds the same pages, but for the cursors, which name S
        for seq in stride(from: Int64(0), through: last, by: 1) {
            let position = try store.position(asOf: String(seq))
            for (index, query) in queries.enumerated() {
                var past = query
                past.asOf = position
                let pages = try await Self.pages(store, past)
                let expected = try #require(replayed[seq]?[index])
                #expect(pages.map(\.records) == expected.map(\.records), "seq \(seq), query \(index)")
                #expect(pages.map(\.total) == expected.map(\.total), "seq \(seq), query \(index)")
                #expect(pages.map { $0.facets.map(\.values) } == expected.map { $0.facets.map(\.values) }, "seq \(seq), query \(index)")
            }
        }
    }

    @Test func aRecordAsOfASeqIsItsVersionThen() throws {
        // Given a record made at one seq and revised at two later ones, with other events between
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        let created = try store.record(id: Self.id(11)).seq
        try Self.changeEverything(store)
        let versions = try store.history(id: Self.id(11))
        #expect(versions.map(\.state.version) == [1, 2, 3])
        // Then as of each seq it is the last version made by then, and before it was created it is not found
        #expect(throws: StoreError.notFound("record \(Self.id(11)) as of seq \(created - 1)")) {
            try store.record(id: Self.id(11), asOf: try store.position(asOf: String(created - 1)))
        }
        for (index, version) in versions.enumerated() {
            let next = index + 1 < versions.count ? versions[index + 1].seq : try store.lastSeq() + 1
            for seq in [version.seq, next - 1] {
                #expect(try store.record(id: Self.id(11), asOf: try store.position(asOf: String(seq))) == version)
            }
        }
        // And its history as of a seq ends there
        #expect(try store.history(id: Self.id(11), asOf: try store.position(asOf: String(versions[1].seq))) == Array(versions.prefix(2)))
        #expect(throws: StoreError.notFound("record \(Self.id(11)) as of seq 0")) {
            try store.history(id: Self.id(11), asOf: try store.position(asOf: "0"))
        }
    }

    @Test func aTimeMeansTheLastEventRecordedAtOrBeforeIt() throws {
        // Given two imports, recorded a second apart (the test clock ticks a second per transaction)
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        let first = try store.lastSeq()
        try Given.imported([Given.specimen(31)], into: store)
        let firstTime = try #require(try store.position(asOf: String(first)).recordedAt)
        let secondTime = try #require(try store.position(asOf: String(try store.lastSeq())).recordedAt)
        #expect(secondTime.milliseconds == firstTime.milliseconds + 1000)
        // Then a time resolves to the last event recorded at or before it, in any RFC 3339 form
        for (text, seq) in [
            (firstTime.rfc3339, first), (Timestamp(milliseconds: firstTime.milliseconds + 999).rfc3339, first),
            (Timestamp(milliseconds: firstTime.milliseconds - 1).rfc3339, 0), (secondTime.rfc3339, try store.lastSeq()),
            ("2023-11-14T22:13:21Z", first), ("2023-11-14T23:13:21.000+01:00", first), ("2023-11-14", 0),
        ] {
            let position = try store.position(asOf: text)
            #expect(position.seq == seq, "\(text)")
            #expect(position.recordedAt == (seq == 0 ? nil : Timestamp(milliseconds: firstTime.milliseconds + (seq == first ? 0 : 1000))))
        }
        #expect(firstTime.rfc3339 == "2023-11-14T22:13:21.000Z")
    }

    @Test(arguments: ["abc", "-1", "+3", "1.5", "34", "99999999999999999999", "2023-13-01", "2023-11-14T22:13", "2999-01-01T00:00:00Z", ""])
    func aPointOutsideTheLogIsRefusedSayingWhatIsAccepted(_ text: String) throws {
        // Given a log of 33 events
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        try Given.imported([Given.specimen(31)], into: store)
        #expect(try store.lastSeq() == 33)
        // Then anything but a seq from 0 to 33 or a time not in the future is refused, naming asOf
        #expect(
            throws: InvalidInput(
                field: "asOf",
                reason: "a seq from 0 to 33 (where the log ends now), or a time that is not in the future, such as 2026-11-25T10:00:00Z; got \"\(text)\""
            )
        ) { try store.position(asOf: text) }
    }

    @Test func aCursorGoesOnOnlyTheSearchItCameFrom() async throws {
        // Given cursors of a search now and as of two seqs
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        let s = try store.position(asOf: "20"), t = try store.position(asOf: "25")
        let now = try #require(try await store.search(Self.query()).next)
        let atS = try #require(try await store.search(Self.query(asOf: s)).next)
        // Then each goes on its own search, and is refused by the others, saying why
        var query = Self.query(asOf: s)
        query.cursor = atS
        #expect(try await store.search(query).records.count == 2)
        query.asOf = t
        await #expect(
            throws: InvalidInput(field: "cursor", reason: "belongs to the search as of seq 20, not the search as of seq 25: give the same asOf")
        ) { try await store.search(query) }
        query.asOf = nil
        await #expect(
            throws: InvalidInput(field: "cursor", reason: "belongs to the search as of seq 20, not the search of the records now: give the same asOf")
        ) { try await store.search(query) }
        query.cursor = now
        query.asOf = s
        await #expect(
            throws: InvalidInput(field: "cursor", reason: "belongs to the search of the records now, not the search as of seq 20: give the same asOf")
        ) { try await store.search(query) }
    }

    @Test func replayRebuildsTheHistoryAndVerifyChecksIt() throws {
        // Given a log where records change, and its verified read models
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        try Self.changeEverything(store)
        let before = try store.verify()
        #expect(try store.count("SELECT count(*) FROM record_history") == 7)
        // When they are rebuilt from the log, the history is rebuilt with them
        try store.replay()
        #expect(try store.verify() == before)
        try store.replay(until: 31)
        #expect(try store.count("SELECT count(*) FROM record_history") == 0)
        try store.replay()
        #expect(try store.verify() == before)
        // Then a changed, a missing or an extra version is found
        for (tampering, reason) in [
            ("UPDATE record_history SET country = 'Narnia' WHERE record_rowid = 11 AND version = 2",
             "record_history.country of version 2 of \(Self.id(11)) differs from a replay of the log"),
            ("UPDATE record_history SET superseded_seq = superseded_seq + 1 WHERE record_rowid = 2",
             "record_history.superseded_seq of version 1 of \(Self.id(2)) differs from a replay of the log"),
            ("DELETE FROM record_history WHERE record_rowid = 4", "record_history lacks version 1 of \(Self.id(4))"),
            ("INSERT INTO record_history SELECT 1000, 1001, rowid, \(RecordColumns.list) FROM records WHERE rowid = 1",
             "the log supersedes 7 record versions; record_history has 8"),
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

    @Test func verifyFindsRowidsOutOfTheOrderOfCreation() throws {
        // Given records whose rowids no longer follow the order the log created them in
        let store = try Given.store()
        try Given.imported(Self.specimens, into: store)
        try store.writer.write { db in try db.execute(sql: "UPDATE records SET rowid = 100 WHERE rowid = 1") }
        // When they are verified
        // Then verify says so: a search as of a past seq relies on that order
        #expect {
            try store.verify()
        } throws: { error in
            guard case StoreError.corrupt(_, let reason) = error else { return false }
            return reason == "records has rowids out of the order the log created the records in"
        }
    }

    @Test func theMigrationFillsTheHistoryOfADatabaseFromBeforeIt() async throws {
        // Given a database with revised records whose history was not kept, as before migration 12 (and so before 14,
        // and before 18, when records held a copy of their imported fields)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emend-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("emend.sqlite").path
        var checksum = ""
        do {
            let store = try Store(path: path)
            try Given.imported(Self.specimens, into: store)
            try Self.changeEverything(store)
            checksum = try store.verify().checksum
            try await store.writer.write { db in
                try db.execute(
                    sql: """
                        DROP TABLE record_history; DROP TABLE record_history_fts; DROP TABLE record_flags;
                        ALTER TABLE records DROP COLUMN flags;
                        UPDATE records SET fields = (SELECT json_extract(data, '$.fields') FROM events WHERE events.seq = records.seq)
                          WHERE fields IS NULL;
                        DELETE FROM grdb_migrations WHERE identifier IN ('12 record history', '14 quality flags', '18 imported fields kept once')
                        """)
            }
        }
        // When it is opened by this version
        let store = try Store(path: path)
        // Then the history is there as if it had always been kept
        #expect(try store.verify().checksum == checksum)
        var query = Self.query()
        query.asOf = try store.position(asOf: "30")
        #expect(try await Self.pages(store, query).flatMap(\.records).map(\.id) == [2, 8, 11, 14, 17, 23, 26, 29].map { Self.id($0) })
    }
}

/// The columns of a records row, in order, for copying one in SQL.
private enum RecordColumns {
    static let list = """
        id, dataset_id, version, fields, extensions, institution_code, collection_code, catalog_number, scientific_name, family,
        country, country_code, year, decimal_latitude, decimal_longitude, flags
        """
}

extension Store {
    fileprivate func user(named name: String) throws -> User? {
        try read { db in try String.fetchOne(db, sql: "SELECT id FROM users WHERE name = ?", arguments: [name]) }
            .flatMap { try user(id: $0) }
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
