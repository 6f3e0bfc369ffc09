import EmendCore
import Testing

@Suite struct RecordTermsTests {
    @Test func everySlotIsACurrentDarwinCoreTerm() {
        // Given the slots' terms
        for term in RecordTerms.Term.allCases {
            // Then each is a current term
            #expect(TermRegistry.shared.resolve(term.name) == .current(term.name))
        }
    }

    @Test func termsByNameAreInTheOrderOfTheirBytes() {
        // Given the names as canonical JSON orders keys
        let names = RecordTerms.Term.byName.map(\.name)

        // Then they rise strictly, and every term is there once
        #expect(zip(names, names.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
        #expect(Set(RecordTerms.Term.byName.map(\.term)) == Set(RecordTerms.Term.allCases))
    }

    @Test func fieldsGiveTheirTermsAndLeaveTheRestOut() {
        // Given a record's fields with a term Emend does not read
        let fields = ["decimalLatitude": "51.5", "locality": "Kew", "year": " 1906"]

        // When its terms are read
        let terms = RecordTerms(fields)

        // Then the terms read hold the values as given, and the other is not there
        #expect(terms[.decimalLatitude] == "51.5")
        #expect(terms[.year] == " 1906")
        #expect(terms[.country] == nil)
        #expect(terms == ["decimalLatitude": "51.5", "year": " 1906"])
    }
}
