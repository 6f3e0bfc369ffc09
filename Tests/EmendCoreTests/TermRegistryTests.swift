import EmendCore
import Testing

@Suite struct TermRegistryTests {
    let registry = TermRegistry.shared

    @Test(arguments: [
        ("decimalLatitude", TermRegistry.Resolution.current("decimalLatitude")),
        ("dwc:country", .current("country")),
        ("http://rs.tdwg.org/dwc/terms/catalogNumber", .current("catalogNumber")),
        ("dcterms:modified", .current("modified")),
        ("http://purl.org/dc/terms/title", .current("title")),
        ("ScientificName", .replaced(old: "ScientificName", by: "scientificName")),
        ("Collector", .replaced(old: "Collector", by: "recordedBy")),
        ("EarliestDateCollected", .replaced(old: "EarliestDateCollected", by: "eventDate")),
        ("DecimalLatitude", .replaced(old: "DecimalLatitude", by: "decimalLatitude")),
        ("http://rs.tdwg.org/dwc/terms/acceptedScientificName", .replaced(old: "acceptedScientificName", by: "acceptedNameUsage")),
        ("gbifID", .unknown("gbifID")),
        ("http://rs.gbif.org/terms/1.0/gbifID", .unknown("gbifID")),
    ])
    func resolvesHeaderForms(header: String, expected: TermRegistry.Resolution) {
        #expect(registry.resolve(header) == expected)
    }

    @Test func knowsTheClassOfCurrentTerms() {
        #expect(registry.term(named: "decimalLatitude")?.termClass == "Location")
        #expect(registry.term(named: "scientificName")?.termClass == "Taxon")
        #expect(registry.terms.count > 200)
        #expect(registry.sorted(["zzz", "decimalLatitude", "basisOfRecord"]) == ["basisOfRecord", "decimalLatitude", "zzz"])
    }
}
