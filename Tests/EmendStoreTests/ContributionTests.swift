import EmendCore
import EmendStore
import GRDB
import Testing

@Suite struct ContributionTests {
    /// A store with records, a contributor, and one of each contribution on the first record.
    func populated() throws -> (Store, User) {
        let store = try Given.store()
        try Given.imported((1...5).map { Given.specimen($0) }, into: store)
        let (user, _) = try store.addUser(name: "ada", role: .contributor, scopes: [])
        let id = Identifiers.recordID(dataset: "test", key: "occ-1")
        _ = try store.submitProposal(
            record: id, baseVersion: 1, changes: ["country": "England", "locality": "Kew"], rationale: "label", actor: user)
        _ = try store.annotate(record: id, motivation: "assessing", text: "Looks right", term: "country", actor: user)
        _ = try store.report(
            record: id, category: "date", description: "Year looks off", term: nil, email: "a@b.org", actor: "anonymous:00")
        return (store, user)
    }

    @Test func contributionsAreEventsThatReplayAndVerify() throws {
        // Given a store with contributions
        let (store, user) = try populated()
        let before = try store.verify()
        #expect(try store.contributions(byActor: user.id).proposals.first?.changes == [
            TermChange(term: "country", from: "United Kingdom", to: "England"), TermChange(term: "locality", from: nil, to: "Kew"),
        ])
        // When the read models are rebuilt from the log
        try store.replay()
        // Then they are the same, and the e-mail address (outside the log) is still there
        #expect(try store.verify() == before)
        #expect(try store.contributions(onRecord: Identifiers.recordID(dataset: "test", key: "occ-1")).reports.count == 1)
        #expect(try store.count("SELECT count(*) FROM report_contacts") == 1)
    }

    @Test func verifyNoticesATamperedContribution() throws {
        let (store, _) = try populated()
        try store.writer.write { db in try db.execute(sql: "UPDATE proposals SET rationale = 'forged'") }
        #expect(throws: StoreError.corrupt(seq: nil, reason: "the proposals read model differs from a replay of the log")) {
            try store.verify()
        }
    }

    @Test func verifyNoticesAProposalFiledUnderAnotherCollection() throws {
        let (store, _) = try populated()
        try store.writer.write { db in try db.execute(sql: "UPDATE proposals SET collection_code = 'Elsewhere'") }
        #expect(throws: StoreError.corrupt(seq: nil, reason: "1 proposals are not filed under their record's collection")) {
            try store.verify()
        }
    }

    @Test func verifyNoticesQueueCountsThatDoNotAddUp() throws {
        let (store, _) = try populated()
        try store.writer.write { db in try db.execute(sql: "UPDATE queue_counts SET n = n + 5") }
        #expect(throws: StoreError.corrupt(seq: nil, reason: "the queue counts differ from the proposals")) {
            try store.verify()
        }
    }

    @Test func aProposalMustChangeSomethingOnTheCurrentVersion() throws {
        let (store, user) = try populated()
        let id = Identifiers.recordID(dataset: "test", key: "occ-2")
        #expect(throws: InvalidInput(field: "changes", reason: "the proposal changes nothing: every value equals the record's")) {
            try store.submitProposal(record: id, baseVersion: 1, changes: ["country": " United Kingdom "], rationale: "x", actor: user)
        }
        #expect(throws: InvalidInput(field: "changes.verbatimCountry", reason: #""verbatimCountry" is not a Darwin Core term and not on this record"#)) {
            try store.submitProposal(record: id, baseVersion: 1, changes: ["verbatimCountry": "UK"], rationale: "x", actor: user)
        }
        #expect(throws: StoreError.notFound("record nope")) {
            try store.submitProposal(record: "nope", baseVersion: 1, changes: ["country": "UK"], rationale: "x", actor: user)
        }
    }
}
