import EmendCore
import EmendStore
import GRDB
import Testing

@Suite struct QualitySuggestionTests {
    /// Specimen 2 has latitude and longitude exchanged (a point off Somalia for a record in the United Kingdom),
    /// specimen 3 a basisOfRecord spelt as words; the rest are clean.
    static let swapped = ["decimalLatitude": "-0.12", "decimalLongitude": "51.5"]
    static let misspelt = ["basisOfRecord": "preserved specimen"]

    func store() throws -> Store {
        let store = try Given.store()
        try Given.imported(
            (1...10).map { Given.specimen($0, $0 == 2 ? Self.swapped : $0 == 3 ? Self.misspelt : ["basisOfRecord": "PreservedSpecimen"]) },
            into: store)
        return store
    }

    func suggestions(_ store: Store) throws -> [Row] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM proposals WHERE actor = 'system:quality' ORDER BY record_id, rule")
        }
    }

    func id(_ number: Int) -> String { Identifiers.recordID(dataset: "test", key: "occ-\(number)") }

    @Test func fileOneSuggestionPerRecordAndRuleAndNoneForCleanRecords() throws {
        // Given ten records, two of them with a flag that implies its fix
        let store = try store()
        // When the bot runs
        let run = try store.suggestQualityFixes()
        // Then it checked all ten and filed one suggestion for each of the two, naming the rule, open, applied to nothing
        #expect(run.checked == 10)
        #expect(run.suggested == ["PRESUMED_SWAPPED_COORDINATE": 1, "BASIS_OF_RECORD_INVALID": 1])
        let filed = try suggestions(store)
        #expect(Set(filed.map { $0["record_id"] as String }) == [id(2), id(3)])
        let swap = try #require(filed.first { $0["record_id"] == id(2) })
        #expect(swap["rule"] == "PRESUMED_SWAPPED_COORDINATE")
        #expect(swap["status"] == "open")
        #expect(swap["base_version"] == 1)
        #expect(try JSONParser.parse(swap["changes"] as String) == [
            "decimalLatitude": ["from": "-0.12", "to": "51.5"], "decimalLongitude": ["from": "51.5", "to": "-0.12"],
        ])
        #expect((swap["rationale"] as String).contains("PRESUMED_SWAPPED_COORDINATE"))
        #expect((swap["rationale"] as String).contains("exchanged"))
        #expect(try store.fields(of: id(2))?["decimalLatitude"] == "-0.12")
        // And the event keeps the rule, by system:quality
        let event = try store.read { db in
            try String.fetchOne(db, sql: "SELECT data FROM events WHERE type = 'ProposalSubmitted' AND data LIKE '%PRESUMED_SWAPPED%'")
        }
        #expect(try JSONParser.parse(try #require(event))["rule"] == "PRESUMED_SWAPPED_COORDINATE")
        // And the watermark is the last record's seq, from the bot's own event
        #expect(try store.qualityWatermark() == run.through)
        #expect(try store.count("SELECT count(*) FROM events WHERE type = 'QualityChecked' AND actor = 'system:quality'") == 1)
    }

    @Test func runningAgainFilesNothingNewAndChecksNothingUnchanged() throws {
        // Given the bot has run
        let store = try store()
        try store.suggestQualityFixes()
        let events = try store.lastSeq()
        // When it runs again, and again from the start (a lost watermark)
        let again = try store.suggestQualityFixes()
        let fromStart = try store.suggestQualityFixes(after: 0, persistAtEnd: false)
        // Then the first checks nothing, the second checks all and files nothing a second time
        #expect(again.checked == 0)
        #expect(again.suggestedTotal == 0)
        #expect(fromStart.suggestedTotal == 0)
        #expect(fromStart.alreadySuggested == 2)
        #expect(try suggestions(store).count == 2)
        #expect(try store.lastSeq() == events)
    }

    @Test func smallBatchesGiveTheSameSuggestions() throws {
        // Given the records, checked three at a time, watermark written every four
        let store = try store()
        // When the bot runs
        let run = try store.suggestQualityFixes(batchSize: 3, persistEvery: 4)
        // Then it files the same two, and its last watermark covers every record
        #expect(run.checked == 10)
        #expect(run.suggestedTotal == 2)
        #expect(try store.qualityWatermark() == store.lastRecordSeq())
    }

    @Test func noSecondSuggestionWhileOneIsOpenNorAfterARejectionOfTheSameChange() throws {
        // Given a suggestion on record 3, and a curator
        let store = try store()
        try store.suggestQualityFixes()
        let (curator, _) = try store.addUser(name: "curator", role: .curator, scopes: ["NHMUK"])
        let (contributor, _) = try store.addUser(name: "someone", role: .contributor, scopes: [])
        // When the record changes in another term while the suggestion is open
        let other = try store.submitProposal(record: id(3), baseVersion: 1, changes: ["locality": "Kew"], rationale: "label", actor: contributor)
        _ = try store.acceptProposal(other.id, terms: nil, edits: [:], note: nil, curator: curator)
        let whileOpen = try store.suggestQualityFixes()
        // Then the bot checks its new version but files nothing: one of the rule is open
        #expect(whileOpen.checked == 1)
        #expect(whileOpen.suggestedTotal == 0)
        // When the curator rejects it and the record changes again
        let suggestion = try #require(try suggestions(store).first { $0["record_id"] == id(3) })
        _ = try store.rejectProposal(suggestion["id"], reason: "the label says so", curator: curator)
        let next = try store.submitProposal(record: id(3), baseVersion: 2, changes: ["locality": "Kew Gardens"], rationale: "label", actor: contributor)
        _ = try store.acceptProposal(next.id, terms: nil, edits: [:], note: nil, curator: curator)
        // Then the same change is not suggested again
        #expect(try store.suggestQualityFixes().suggestedTotal == 0)
        #expect(try suggestions(store).count == 2)
    }

    @Test func theRecordChangingToAnotherFixableValueGetsANewSuggestion() throws {
        // Given the suggestion on record 3 was rejected
        let store = try store()
        try store.suggestQualityFixes()
        let (curator, _) = try store.addUser(name: "curator", role: .curator, scopes: ["NHMUK"])
        let suggestion = try #require(try suggestions(store).first { $0["record_id"] == id(3) })
        _ = try store.rejectProposal(suggestion["id"], reason: "not now", curator: curator)
        // When a re-import changes its basisOfRecord to another misspelling
        try Given.imported(
            (1...10).map {
                Given.specimen($0, $0 == 2 ? Self.swapped : $0 == 3 ? ["basisOfRecord": "fossil specimen"] : ["basisOfRecord": "PreservedSpecimen"])
            },
            into: store)
        let run = try store.suggestQualityFixes()
        // Then the bot looks at that one new version only, and suggests the new fix on it
        #expect(run.checked == 1)
        #expect(run.suggested == ["BASIS_OF_RECORD_INVALID": 1])
        let latest = try #require(try suggestions(store).filter { $0["record_id"] == id(3) }.max { ($0["seq"] as Int64) < $1["seq"] })
        #expect(latest["base_version"] == 2)
        #expect((latest["changes"] as String).contains("FossilSpecimen"))
    }

    @Test func acceptingASuggestionFixesTheRecordAndTheBotLeavesItAlone() throws {
        // Given the swap suggestion, accepted by a curator
        let store = try store()
        try store.suggestQualityFixes()
        let (curator, _) = try store.addUser(name: "curator", role: .curator, scopes: ["NHMUK"])
        let swap = try #require(try suggestions(store).first { $0["record_id"] == id(2) })
        _ = try store.acceptProposal(swap["id"], terms: nil, edits: [:], note: nil, curator: curator)
        // When the bot runs on the new version
        let run = try store.suggestQualityFixes()
        // Then the record is in London again and nothing more is suggested
        #expect(try store.fields(of: id(2))?["decimalLatitude"] == "51.5")
        #expect(run.checked == 1)
        #expect(run.suggestedTotal == 0)
    }

    @Test func replayAndVerifyGiveTheSameSuggestionsAndWatermark() throws {
        // Given suggestions, one accepted, and the read models' checksum
        let store = try store()
        try store.suggestQualityFixes()
        let (curator, _) = try store.addUser(name: "curator", role: .curator, scopes: ["NHMUK"])
        let swap = try #require(try suggestions(store).first { $0["record_id"] == id(2) })
        _ = try store.acceptProposal(swap["id"], terms: nil, edits: [:], note: nil, curator: curator)
        try store.suggestQualityFixes()
        let before = try store.verify()
        let filed = try suggestions(store)
        let watermark = try store.qualityWatermark()
        // When the read models are rebuilt from the log
        try store.replay()
        // Then verify passes with the same checksum, the suggestions and their rules are the same, and so is the
        // watermark: the bot finds nothing to do
        #expect(try store.verify() == before)
        #expect(try suggestions(store) == filed)
        #expect(try store.qualityWatermark() == watermark)
        #expect(try store.suggestQualityFixes().checked == 0)
    }

    @Test func queueFiltersByRule() throws {
        // Given both suggestions and a person's proposal
        let store = try store()
        try store.suggestQualityFixes()
        let (curator, _) = try store.addUser(name: "curator", role: .curator, scopes: ["NHMUK"])
        let (contributor, _) = try store.addUser(name: "someone", role: .contributor, scopes: [])
        _ = try store.submitProposal(record: id(5), baseVersion: 1, changes: ["locality": "Kew"], rationale: "label", actor: contributor)
        // When the queue is asked for one rule
        var query = QueueQuery()
        query.rule = "PRESUMED_SWAPPED_COORDINATE"
        let page = try store.moderationQueue(query, for: curator)
        // Then it holds that rule's suggestion alone, marked as a machine suggestion; the counts by rule say the same
        #expect(page.items.map(\.proposal.recordID) == [id(2)])
        #expect(page.items[0].proposal.isMachineSuggestion)
        #expect(try store.suggestionCounts(for: curator) == [
            RuleCount(rule: "BASIS_OF_RECORD_INVALID", open: 1), RuleCount(rule: "PRESUMED_SWAPPED_COORDINATE", open: 1),
        ])
    }
}
