import EmendCore
import EmendStore
import Testing

@Suite struct ExportTermsTests {
    @Test func aDownloadHasAColumnForEveryTermARecordCanHold() async throws {
        // Given a dataset whose source has no habitat column, a term a contributor's accepted proposal added to one
        // record and a later one removed again, and a revert that brings it back
        let store = try Given.store()
        try Given.imported([Given.specimen(1), Given.specimen(2)], into: store)
        let (contributor, _) = try store.addUser(name: "ada", role: .contributor, scopes: [])
        let (curator, _) = try store.addUser(name: "kim", role: .curator, scopes: ["NHMUK"])
        let id = Identifiers.recordID(dataset: "test", key: "occ-1")
        let added = try store.submitProposal(record: id, baseVersion: 1, changes: ["habitat": "oak wood"], rationale: "label", actor: contributor)
        _ = try store.acceptProposal(added.id, terms: nil, edits: [:], note: nil, curator: curator)
        let removed = try store.submitProposal(record: id, baseVersion: 2, changes: ["habitat": nil], rationale: "wrong label", actor: contributor)
        _ = try store.acceptProposal(removed.id, terms: nil, edits: [:], note: nil, curator: curator)
        _ = try store.revertRecord(id, to: 2, reason: "the label was right", curator: curator)
        // When the columns of a download of the dataset are asked for
        var query = RecordQuery()
        query.filters[.dataset] = ["test"]
        let terms = try store.exportTerms(query)
        // Then they are the source's columns and the added term, in the TDWG list's order
        #expect(Set(terms) == Set(Given.specimen(1).fields.keys).union(["habitat"]))
        #expect(terms == TermRegistry.shared.sorted(terms))
        // And every record's terms are among them
        query.limit = 100
        for record in try await store.searchPage(query).records {
            #expect(Set(record.fields.keys).isSubset(of: terms), "\(record.id)")
        }
    }

    @Test func anImportNamingNoColumnsCountsAsEveryTerm() throws {
        // Given a dataset imported with no column list, as every import was before DatasetImported named its columns
        let store = try Given.store()
        var reader = ArrayReader([Given.specimen(1)])
        _ = try store.importRecords(from: &reader, source: Given.source(terms: []))
        // When the columns of a download are asked for
        let terms = try store.exportTerms(RecordQuery())
        // Then an import naming no columns still lists its record's terms: every column there is a term for
        #expect(Set(Given.specimen(1).fields.keys).isSubset(of: terms))
    }
}
