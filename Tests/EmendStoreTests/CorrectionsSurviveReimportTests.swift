import EmendCore
import EmendStore
import GRDB
import Testing

@Suite struct CorrectionsSurviveReimportTests {
    @Test func aReimportKeepsAnAcceptedCorrectionAndQueuesTheDisagreement() throws {
        // Given a record whose locality a curator corrected from a contributor's proposal
        let store = try Given.store()
        try Given.imported([Given.specimen(1, ["locality": "Kew"])], into: store)
        let (contributor, _) = try store.addUser(name: "ada", role: .contributor, scopes: [])
        let (curator, _) = try store.addUser(name: "kim", role: .curator, scopes: ["NHMUK"])
        let id = Identifiers.recordID(dataset: "test", key: "occ-1")
        let proposal = try store.submitProposal(
            record: id, baseVersion: 1, changes: ["locality": "Kew Gardens"], rationale: "label", actor: contributor)
        _ = try store.acceptProposal(proposal.id, terms: nil, edits: [:], note: nil, curator: curator)
        // When the source is imported again, still saying "Kew", and with a new year
        let summary = try Given.imported([Given.specimen(1, ["locality": "Kew", "year": "1902"])], into: store)
        // Then the correction stays, the other change applies, and the disagreement is reported and queued once
        #expect(try store.fields(of: id)?["locality"] == "Kew Gardens")
        #expect(try store.fields(of: id)?["year"] == "1902")
        #expect(summary.disagreements == 1 && summary.revised == 1)
        let queued = try #require(try store.contributions(onRecord: id).proposals.first { $0.status == "open" })
        #expect(queued.actor == "system")
        #expect(queued.changes == [TermChange(term: "locality", from: "Kew Gardens", to: "Kew")])
        #expect(try Given.imported([Given.specimen(1, ["locality": "Kew", "year": "1902"])], into: store).disagreements == 1)
        #expect(try store.contributions(onRecord: id).proposals.filter { $0.status == "open" }.count == 1)
        // And when the curator takes the source's value, later imports agree again
        _ = try store.acceptProposal(queued.id, terms: nil, edits: [:], note: nil, curator: curator)
        #expect(try store.fields(of: id)?["locality"] == "Kew")
        #expect(try Given.imported([Given.specimen(1, ["locality": "Kew", "year": "1902"])], into: store).disagreements == 0)
        // The corrections read model is rebuilt by replay like the others
        let before = try store.verify()
        try store.replay()
        #expect(try store.verify() == before)
    }
}
