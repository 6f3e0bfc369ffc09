import EmendCore
import EmendStore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ChangeFeedTests {
    @Test func publishersReadWhatCuratorsChangedAsJSONCSVAndAtom() async throws {
        let app = try await TestApp()
        let (_, admin) = try app.store.addUser(name: "admin", role: .admin, scopes: [])
        try await app.test { client async throws in
            // Given an accepted proposal and a revert on an NHMUK record, and an accepted proposal on a CNCI one
            func accept(_ record: String, _ changes: String, by token: String) async throws {
                let proposal = try #require(
                    try await client.post(
                        "/api/records/\(TestApp.id(record))/proposals", json: #"{"baseVersion": 1, "changes": \#(changes), "rationale": "label"}"#,
                        token: app.contributorToken
                    ).jsonBody["id"]?.stringValue)
                #expect(try await client.post("/api/proposals/\(proposal)/accept", json: "{}", token: token).status == .ok)
            }
            try await accept("occ-1", #"{"locality": "Kew", "year": "1902"}"#, by: app.curatorToken)
            let afterFirst = try app.store.lastSeq()
            _ = try await client.post("/api/records/\(TestApp.id("occ-1"))/revert", json: #"{"version": 1, "reason": "label was right"}"#, token: app.curatorToken)
            try await accept("occ-4", #"{"locality": "Legon"}"#, by: admin)
            // When a museum asks for the changes to its records
            let nhm = try await client.json("/api/changes?institutionCode=NHMUK")
            // Then it gets each changed term, oldest first, with the identifiers to find the record and who did it
            let changes = nhm["changes"]?.arrayValue ?? []
            #expect(changes.map { $0["term"] } == ["locality", "year", "locality", "year"])
            #expect(changes[0]["catalogNumber"] == "BM001" && changes[0]["occurrenceID"] == "occ-1")
            #expect(changes[0]["old"] == "Kew Gardens" && changes[0]["new"] == "Kew" && changes[0]["version"] == 2)
            #expect(changes[0]["cause"] == "proposal" && changes[0]["contributor"] == "contributor" && changes[0]["curator"] == "curator")
            #expect(changes[2]["cause"] == "revert" && changes[2]["new"] == "Kew Gardens" && changes[2]["contributor"] == .null)
            // And asks again from where it stopped, page by page
            let later = try await client.json("/api/changes?institutionCode=NHMUK&since=\(afterFirst)")
            #expect(later["changes"]?.arrayValue?.count == 2)
            let firstPage = try await client.json("/api/changes?limit=1")
            #expect(firstPage["changes"]?.arrayValue?.count == 2 && firstPage["next"] != .null)
            #expect(try await client.json("/api/changes")["changes"]?.arrayValue?.count == 5)
            // As CSV and Atom too; bad parameters are refused
            let csv = try await client.get("/api/changes?format=csv&institutionCode=CNCI")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.first == "seq,recordedAt,record,version,institutionCode,collectionCode,catalogNumber,occurrenceID,term,old,new,cause,contributor,curator")
            #expect(lines.count == 2 && lines[1].contains(",CN004,occ-4,locality,Accra,Legon,proposal,contributor,admin"))
            let atom = try await client.get("/api/changes?format=atom")
            #expect(atom.text.contains("<summary>locality: Kew → Kew Gardens; year: 1902 → 1901</summary>"))
            #expect(XMLParser(data: Data(atom.text.utf8)).parse())
            #expect(try await client.get("/api/changes?since=-1").jsonBody["error"]?["field"] == "since")
            #expect(try await client.get("/api/changes?format=xml").jsonBody["error"]?["field"] == "format")
        }
    }
}
