import EmendCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import EmendStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ModerationAPITests {
    /// A proposal by the contributor on an NHMUK record (occ-1, in the curator's scope); returns its id.
    private func propose(
        _ app: TestApp, _ client: any TestClientProtocol, record: String = "occ-1",
        changes: String = #"{"decimalLatitude": "51.48", "decimalLongitude": "-0.29", "locality": "Kew"}"#, on version: Int = 1
    ) async throws -> String {
        let response = try await client.post(
            "/api/records/\(TestApp.id(record))/proposals",
            json: #"{"baseVersion": \#(version), "changes": \#(changes), "rationale": "label"}"#,
            token: app.contributorToken)
        return try #require(response.jsonBody["id"]?.stringValue, "\(response.text)")
    }

    @Test func acceptingPartOfAProposalWithAnEditMakesTheNextVersion() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let id = try await propose(app, client)
            // When the curator accepts the latitude as proposed and the locality as edited, not the longitude
            let accepted = try await client.post(
                "/api/proposals/\(id)/accept", json: #"{"terms": ["decimalLatitude", "locality"], "edits": {"locality": "Kew Gardens, Richmond"}, "note": "thanks"}"#,
                token: app.curatorToken)
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(accepted.jsonBody["version"] == 2)
            // Then version 2 holds exactly the accepted values, and its history names the contributor and the curator
            let record = try await client.json("/api/records/\(TestApp.id("occ-1"))")
            #expect(record["fields"]?["decimalLatitude"] == "51.48")
            #expect(record["fields"]?["decimalLongitude"] == "-0.12")
            #expect(record["fields"]?["locality"] == "Kew Gardens, Richmond")
            let cause = try await client.json("/api/records/\(TestApp.id("occ-1"))/history")["versions"]?[1]?["cause"]
            let contributor = try #require(try app.store.user(forToken: app.contributorToken))
            let curator = try #require(try app.store.user(forToken: app.curatorToken))
            #expect(cause == ["kind": "proposal", "proposal": .string(id), "contributor": .string(contributor.id), "curator": .string(curator.id)])
            // And the proposal says so, with the version it made
            let proposal = try app.store.proposal(id: id)
            #expect(proposal.status == "accepted" && proposal.acceptedVersion == 2 && proposal.reason == "thanks")
            // And the read models still equal a replay of the log
            let before = try app.store.verify()
            try app.store.replay()
            #expect(try app.store.verify() == before)
        }
    }

    @Test func rejectingNeedsAReasonAndDecidingTwiceIsAConflict() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let id = try await propose(app, client)
            #expect(try await client.post("/api/proposals/\(id)/reject", json: #"{"reason": " "}"#, token: app.curatorToken).status == .badRequest)
            let rejected = try await client.post(
                "/api/proposals/\(id)/reject", json: #"{"reason": "the record is right as it is"}"#, token: app.curatorToken)
            #expect(rejected.jsonBody["status"] == "rejected")
            #expect(rejected.jsonBody["decision"]?["reason"] == "the record is right as it is")
            #expect(try await client.post("/api/proposals/\(id)/accept", json: "{}", token: app.curatorToken).status == .conflict)
            #expect(try await client.json("/api/records/\(TestApp.id("occ-1"))")["version"] == 1)
            // And the decision is in the contributor's and the collection's Atom feeds, as well-formed XML
            for path in ["/feeds/contributors/contributor.atom", "/feeds/collections/NHMUK:BOT.atom", "/feeds/collections/NHMUK.atom"] {
                let feed = try await client.get(path)
                #expect(feed.headers[.contentType] == "application/atom+xml; charset=utf-8")
                #expect(feed.text.contains("<summary>decimalLatitude: 51.5 → 51.48; decimalLongitude: -0.12 → -0.29; locality: Kew Gardens → Kew. The curator wrote: the record is right as it is</summary>"), "\(path)")
                #expect(XMLParser(data: Data(feed.text.utf8)).parse(), "\(path)")
            }
            #expect(try await client.get("/feeds/collections/CNCI.atom").text.contains("<entry>") == false)
            #expect(try await client.get("/feeds/contributors/nobody.atom").status == .notFound)
        }
    }

    @Test func onlyCuratorsInScopeAndAdminsDecide() async throws {
        let app = try await TestApp()
        let (_, auditor) = try app.store.addUser(name: "auditor", role: .auditor, scopes: [])
        let (_, admin) = try app.store.addUser(name: "admin", role: .admin, scopes: [])
        let (_, botanist) = try app.store.addUser(name: "botanist", role: .curator, scopes: ["NHMUK:BOT"])
        try await app.test { client async throws in
            let onCNCI = try await propose(app, client, record: "occ-4", changes: #"{"locality": "Legon"}"#)
            let onEntomology = try await propose(app, client, record: "occ-3", changes: #"{"locality": "Paris 5e"}"#)
            // Nobody signed in: 401; contributors, auditors and curators outside the record's scope: 403
            for (token, path) in [
                (nil, "accept"), (app.contributorToken, "accept"), (auditor, "accept"), (app.curatorToken, "accept"), (botanist, "reject"),
            ] {
                let response = try await client.post(
                    "/api/proposals/\(path == "accept" && token == botanist ? onEntomology : onCNCI)/\(path)", json: #"{"reason": "x"}"#, token: token)
                #expect(response.status == (token == nil ? .unauthorized : .forbidden), "\(token ?? "nobody") \(path): \(response.text)")
            }
            #expect(try await client.post("/api/proposals/\(onEntomology)/reject", json: #"{"reason": "x"}"#, token: botanist).status == .forbidden)
            // Every other decision on an item outside the curator's scope is refused the same way
            let report = try #require(
                try await client.post("/api/records/\(TestApp.id("occ-4"))/reports", json: #"{"category": "other", "description": "odd"}"#)
                    .jsonBody["id"]?.stringValue)
            let note = try #require(
                try await client.post(
                    "/api/records/\(TestApp.id("occ-4"))/annotations", json: #"{"motivation": "commenting", "text": "hm"}"#, token: app.contributorToken
                ).jsonBody["id"]?.stringValue?.split(separator: "/").last.map(String.init))
            for (path, body) in [
                ("proposals/\(onCNCI)/ask", #"{"question": "why?"}"#), ("reports/\(report)/resolve", #"{"resolution": "not-a-problem"}"#),
                ("reports/\(report)/proposal", #"{"changes": {"locality": "Legon"}}"#), ("annotations/\(note)/hide", #"{"reason": "x"}"#),
            ] {
                #expect(try await client.post("/api/\(path)", json: body, token: botanist).status == .forbidden, "\(path)")
                #expect(try await client.post("/api/\(path)", json: body, token: auditor).status == .forbidden, "\(path)")
            }
            let bulk = try await client.post("/api/proposals/bulk", json: #"{"ids": ["\#(onCNCI)"], "action": "reject", "reason": "x"}"#, token: botanist)
            #expect(bulk.jsonBody["results"]?[0]?["error"]?["code"] == "forbidden", "\(bulk.text)")
            #expect(try await client.execute(uri: "/api/moderation/queue", method: .get, headers: [.authorization: "Bearer \(app.contributorToken)"]).status == .forbidden)
            // The admin decides anywhere
            #expect(try await client.post("/api/proposals/\(onCNCI)/accept", json: "{}", token: admin).status == .ok)
            #expect(try await client.post("/api/proposals/nope/accept", json: "{}", token: admin).status == .notFound)
        }
    }

    @Test func aStaleTermRefusesAcceptingButOtherChangesDoNot() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let latitude = try await propose(app, client, changes: #"{"decimalLatitude": "51.48"}"#)
            let locality = try await propose(app, client, changes: #"{"locality": "Kew"}"#)
            // When the latitude proposal is accepted, the record moves to version 2
            #expect(try await client.post("/api/proposals/\(latitude)/accept", json: "{}", token: app.curatorToken).status == .ok)
            // Then the locality proposal (based on version 1) still applies, to version 2
            let applied = try await client.post("/api/proposals/\(locality)/accept", json: "{}", token: app.curatorToken)
            #expect(applied.jsonBody["version"] == 3)
            // But a proposal whose old value is gone is refused with the conflict shown
            let stale = try await propose(app, client, changes: #"{"locality": "Kew Green"}"#, on: 3)
            _ = try app.store.write { log in
                try log.append(
                    NewEvent(
                        stream: RecordState.stream(TestApp.id("occ-1")), type: EventType.recordRevised, actor: "system",
                        data: ["cause": ["kind": "import", "dataset": "test"], "changes": ["locality": ["from": "Kew", "to": "Richmond"]]]),
                    expectedVersion: 3)
            }
            // And the queue marks it stale, with the value the record holds now
            let queue = try await client.execute(uri: "/api/moderation/queue", method: .get, headers: [.authorization: "Bearer \(app.curatorToken)"])
            #expect(queue.jsonBody["items"]?[0]?["stale"] == [["term": "locality", "from": "Kew", "to": "Richmond"]], "\(queue.text)")
            let refused = try await client.post("/api/proposals/\(stale)/accept", json: "{}", token: app.curatorToken)
            #expect(refused.status == .conflict)
            #expect(refused.errorCode == "stale")
            #expect(refused.jsonBody["error"]?["message"]?.stringValue?.contains(#"locality is now "Richmond", not "Kew""#) == true)
        }
    }

    @Test func twoCuratorsRacingForOneProposal() async throws {
        let app = try await TestApp()
        let (_, second) = try app.store.addUser(name: "curator2", role: .curator, scopes: ["NHMUK"])
        try await app.test { client async throws in
            let id = try await propose(app, client)
            // When two curators accept it at the same moment
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for token in [app.curatorToken, second] {
                    group.addTask { try await client.post("/api/proposals/\(id)/accept", json: "{}", token: token).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Then exactly one wins and the other is told it was decided
            #expect(statuses.sorted { $0.code < $1.code } == [.ok, .conflict])
            #expect(try await client.json("/api/records/\(TestApp.id("occ-1"))")["version"] == 2)
        }
    }

    @Test func bulkDecisionsReportEachItem() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let ok = try await propose(app, client, changes: #"{"locality": "Kew"}"#)
            let outOfScope = try await propose(app, client, record: "occ-4", changes: #"{"locality": "Legon"}"#)
            let response = try await client.post(
                "/api/proposals/bulk", json: #"{"ids": ["\#(ok)", "\#(outOfScope)", "nope"], "action": "reject", "reason": "duplicate"}"#,
                token: app.curatorToken)
            let results = try #require(response.jsonBody["results"]?.arrayValue)
            #expect(results.map { $0["ok"] } == [true, false, false])
            #expect(results.map { $0["error"]?["code"] } == [nil, "forbidden", "not_found"])
            #expect(try await client.post("/api/proposals/bulk", json: #"{"ids": [], "action": "accept"}"#, token: app.curatorToken).status == .badRequest)
        }
    }

    @Test func theCuratorAsksAndTheContributorAnswersWithAnAmendment() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            let id = try await propose(app, client, changes: #"{"locality": "Kew"}"#)
            let asked = try await client.post("/api/proposals/\(id)/ask", json: #"{"question": "Kew village or the Gardens?"}"#, token: app.curatorToken)
            #expect(asked.jsonBody["status"] == "needs-info")
            // Only the contributor answers, and may amend the changes
            #expect(try await client.post("/api/proposals/\(id)/answer", json: #"{"answer": "x"}"#, token: app.curatorToken).status == .forbidden)
            let answered = try await client.post(
                "/api/proposals/\(id)/answer", json: #"{"answer": "The Gardens", "changes": {"locality": "Royal Botanic Gardens, Kew"}}"#,
                token: app.contributorToken)
            #expect(answered.jsonBody["status"] == "open")
            #expect(answered.jsonBody["question"] == "Kew village or the Gardens?")
            #expect(answered.jsonBody["changes"] == [["term": "locality", "from": "Kew Gardens", "to": "Royal Botanic Gardens, Kew"]])
            #expect(try await client.post("/api/proposals/\(id)/answer", json: #"{"answer": "again"}"#, token: app.contributorToken).status == .badRequest)
            // Then accepting takes the amended value
            #expect(try await client.post("/api/proposals/\(id)/accept", json: "{}", token: app.curatorToken).status == .ok)
            #expect(try await client.json("/api/records/\(TestApp.id("occ-1"))")["fields"]?["locality"] == "Royal Botanic Gardens, Kew")
            let before = try app.store.verify()
            try app.store.replay()
            #expect(try app.store.verify() == before)
        }
    }

    @Test func reportsAreResolvedAndNotesHidden() async throws {
        let app = try await TestApp()
        let id = TestApp.id("occ-1")
        try await app.test { client async throws in
            let report = try #require(
                try await client.post("/api/records/\(id)/reports", json: #"{"category": "location", "description": "Kew is in Richmond"}"#)
                    .jsonBody["id"]?.stringValue)
            let note = try #require(
                try await client.post("/api/records/\(id)/annotations", json: #"{"motivation": "commenting", "text": "buy pills"}"#, token: app.contributorToken)
                    .jsonBody["id"]?.stringValue?.split(separator: "/").last.map(String.init))
            // The curator sees both in the queue
            func queue(_ kind: String) async throws -> JSONValue {
                try await client.execute(uri: "/api/moderation/queue?kind=\(kind)", method: .get, headers: [.authorization: "Bearer \(app.curatorToken)"]).jsonBody
            }
            #expect(try await queue("report")["items"]?[0]?["report"]?["id"] == .string(report))
            #expect(try await queue("annotation")["items"]?.arrayValue?.count == 1)
            // A fix must name the version that fixed it; then the report is closed, once
            let noVersion = try await client.post("/api/reports/\(report)/resolve", json: #"{"resolution": "fixed"}"#, token: app.curatorToken)
            #expect(noVersion.jsonBody["error"]?["field"] == "version")
            let resolved = try await client.post(
                "/api/reports/\(report)/resolve", json: #"{"resolution": "fixed", "version": 1, "note": "it was right"}"#, token: app.curatorToken)
            #expect(resolved.jsonBody["status"] == "fixed")
            #expect(try await client.post("/api/reports/\(report)/resolve", json: #"{"resolution": "duplicate"}"#, token: app.curatorToken).status == .conflict)
            #expect(try await queue("report")["items"]?.arrayValue?.isEmpty == true)
            // Hiding a note takes it off the record page, and out of the queue; the log keeps it
            #expect(try await client.post("/api/annotations/\(note)/hide", json: #"{"reason": "spam"}"#, token: app.contributorToken).status == .forbidden)
            #expect(try await client.post("/api/annotations/\(note)/hide", json: #"{"reason": "spam"}"#, token: app.curatorToken).status == .noContent)
            #expect(try await client.get("/records/\(id)").text.contains("buy pills") == false)
            #expect(try await queue("annotation")["items"]?.arrayValue?.isEmpty == true)
            let before = try app.store.verify()
            try app.store.replay()
            #expect(try app.store.verify() == before)
        }
    }

    @Test func aReportBecomesAProposalInTheQueue() async throws {
        let app = try await TestApp()
        let id = TestApp.id("occ-1")
        try await app.test { client async throws in
            // Given an anonymous report that the year is wrong
            let report = try #require(
                try await client.post("/api/records/\(id)/reports", json: #"{"category": "date", "description": "The label says 1910", "term": "year"}"#)
                    .jsonBody["id"]?.stringValue)
            // When the curator turns it into a proposal
            let bad = try await client.post("/api/reports/\(report)/proposal", json: #"{"changes": {"nonsense": "1"}}"#, token: app.curatorToken)
            #expect(bad.status == .badRequest && bad.jsonBody["error"]?["field"] == "changes.nonsense", "\(bad.text)")
            let made = try await client.post("/api/reports/\(report)/proposal", json: #"{"changes": {"year": "1910"}}"#, token: app.curatorToken)
            #expect(made.status == .created, "\(made.text)")
            let proposal = try #require(made.jsonBody["id"]?.stringValue)
            // Then the proposal carries the report's description and is in the queue; the report names it and is closed
            #expect(made.jsonBody["rationale"] == "The label says 1910")
            let queue = try await client.execute(uri: "/api/moderation/queue", method: .get, headers: [.authorization: "Bearer \(app.curatorToken)"]).jsonBody
            #expect(queue["items"]?[0]?["proposal"]?["id"] == .string(proposal))
            let closed = try #require(try app.store.contributions(onRecord: id).reports.first)
            #expect(closed.status == "proposed" && closed.proposalID == proposal)
            let proposedReports = try await client.execute(
                uri: "/api/moderation/queue?kind=report&status=proposed", method: .get, headers: [.authorization: "Bearer \(app.curatorToken)"]).jsonBody
            #expect(proposedReports["items"]?[0]?["report"]?["proposal"] == .string(proposal), "\(proposedReports)")
            #expect(try await client.post("/api/reports/\(report)/proposal", json: #"{"changes": {"year": "1911"}}"#, token: app.curatorToken).status == .conflict)
            // And accepting it makes the new version, and a replay gives the same read models
            #expect(try await client.post("/api/proposals/\(proposal)/accept", json: "{}", token: app.curatorToken).jsonBody["version"] == 2)
            let before = try app.store.verify()
            try app.store.replay()
            #expect(try app.store.verify() == before)
        }
    }

    @Test func proposalsFollowTheirRecordToAnotherCollection() async throws {
        let app = try await TestApp()
        let (_, botanist) = try app.store.addUser(name: "botanist", role: .curator, scopes: ["NHMUK:BOT"])
        let (_, entomologist) = try app.store.addUser(name: "entomologist", role: .curator, scopes: ["NHMUK:ENT"])
        try await app.test { client async throws in
            // Given two proposals on a botany record, one of which moves it to entomology
            let move = try await propose(app, client, changes: #"{"collectionCode": "ENT"}"#)
            let other = try await propose(app, client, changes: #"{"locality": "Kew"}"#)
            func queue(_ token: String) async throws -> [JSONValue] {
                try await client.execute(uri: "/api/moderation/queue", method: .get, headers: [.authorization: "Bearer \(token)"])
                    .jsonBody["items"]?.arrayValue ?? []
            }
            #expect(try await queue(botanist).count == 2)
            // When the move is accepted
            #expect(try await client.post("/api/proposals/\(move)/accept", json: "{}", token: botanist).status == .ok)
            // Then the other proposal is in the entomologist's queue and no longer in the botanist's
            #expect(try await queue(botanist).isEmpty)
            #expect(try await queue(entomologist).map { $0["proposal"]?["id"] } == [.string(other)])
            #expect(try await client.post("/api/proposals/\(other)/accept", json: "{}", token: botanist).status == .forbidden)
            let before = try app.store.verify()
            try app.store.replay()
            #expect(try app.store.verify() == before)
        }
    }

    @Test func aCuratorRestoresAnEarlierVersion() async throws {
        let app = try await TestApp()
        let (_, botanist) = try app.store.addUser(name: "botanist", role: .curator, scopes: ["CNCI"])
        let id = TestApp.id("occ-1")
        try await app.test { client async throws in
            // Given version 2 from an accepted proposal
            let proposal = try await propose(app, client)
            #expect(try await client.post("/api/proposals/\(proposal)/accept", json: "{}", token: app.curatorToken).status == .ok)
            // When the curator restores version 1 (after refusals that say why)
            let noReason = try await client.post("/api/records/\(id)/revert", json: #"{"version": 1}"#, token: app.curatorToken)
            #expect(noReason.jsonBody["error"]?["field"] == "reason")
            let current = try await client.post("/api/records/\(id)/revert", json: #"{"version": 2, "reason": "x"}"#, token: app.curatorToken)
            #expect(current.jsonBody["error"]?["field"] == "version")
            #expect(try await client.post("/api/records/\(id)/revert", json: #"{"version": 1, "reason": "x"}"#, token: botanist).status == .forbidden)
            let reverted = try await client.post(
                "/api/records/\(id)/revert", json: #"{"version": 1, "reason": "the label was right"}"#, token: app.curatorToken)
            #expect(reverted.jsonBody == ["record": .string(id), "version": 3], "\(reverted.text)")
            // Then version 3 holds version 1's values, and the history says who restored what and why
            let versions = try await client.json("/api/records/\(id)/history")["versions"]?.arrayValue ?? []
            #expect(versions.count == 3)
            #expect(versions[2]["cause"]?["kind"] == "revert" && versions[2]["cause"]?["reason"] == "the label was right")
            #expect(try await client.json("/api/records/\(id)")["fields"] == client.json("/api/records/\(id)?version=1")["fields"])
            #expect(try await client.json("/api/records/\(id)/diff?from=1&to=3")["changes"] == [])
            let before = try app.store.verify()
            try app.store.replay()
            #expect(try app.store.verify() == before)
        }
    }

    @Test func theQueueShowsWhatIsInScope() async throws {
        let app = try await TestApp()
        let (_, auditor) = try app.store.addUser(name: "auditor", role: .auditor, scopes: [])
        try await app.test { client async throws in
            let first = try await propose(app, client, changes: #"{"locality": "Kew"}"#)
            _ = try await propose(app, client, record: "occ-2", changes: #"{"locality": "Cambridge, UK"}"#)
            _ = try await propose(app, client, record: "occ-4", changes: #"{"locality": "Legon"}"#)
            _ = try await client.post("/api/proposals/\(first)/reject", json: #"{"reason": "no"}"#, token: app.curatorToken)
            func queue(_ query: String, _ token: String) async throws -> JSONValue {
                let response = try await client.execute(uri: "/api/moderation/queue?\(query)", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .ok, "\(response.text)")
                return response.jsonBody
            }
            // The NHMUK curator sees the NHMUK items only, with counts per status
            let mine = try await queue("", app.curatorToken)
            #expect(mine["items"]?.arrayValue?.count == 1)
            #expect(mine["counts"] == ["open": 1, "rejected": 1])
            let item = try #require(mine["items"]?[0])
            #expect(item["record"]?["catalogNumber"] == "BM002")
            #expect(item["submitter"]?["rejected"] == 1)
            #expect(item["proposal"]?["changes"] == [["term": "locality", "from": "Cambridge", "to": "Cambridge, UK"]])
            // The auditor sees everything; paging and filters work
            let all = try await queue("limit=1", auditor)
            #expect(all["counts"] == ["open": 2, "rejected": 1])
            let next = try #require(all["next"]?.stringValue)
            #expect(try await queue("limit=1&cursor=\(next)", auditor)["items"]?[0]?["record"]?["catalogNumber"] == "CN004")
            #expect(try await queue("institutionCode=CNCI&sort=newest", auditor)["items"]?.arrayValue?.count == 1)
            #expect(try await queue("term=locality&submitter=contributor&dataset=test", auditor)["items"]?.arrayValue?.count == 2)
            #expect(try await queue("term=year", auditor)["items"]?.arrayValue?.isEmpty == true)
            #expect(try await queue("olderThanDays=1", auditor)["items"]?.arrayValue?.isEmpty == true)
            #expect(try await queue("status=rejected", auditor)["items"]?[0]?["proposal"]?["decision"]?["reason"] == "no")
            let health = try await client.execute(uri: "/api/moderation/health", method: .get, headers: [.authorization: "Bearer \(auditor)"]).jsonBody
            #expect(health["pending"] == 2)
            #expect(health["pendingByCollection"] == ["NHMUK:BOT": 1, "CNCI:ENT": 1])
            #expect(health["decisionsPerWeek"]?[0] == ["decided": 1, "accepted": 0])
            #expect(health["acceptedPercent"] == 0)
            #expect(health["oldestAgeSeconds"]?.intValue != nil)
            let bad = try await client.execute(uri: "/api/moderation/queue?status=maybe", method: .get, headers: [.authorization: "Bearer \(auditor)"])
            #expect(bad.jsonBody["error"]?["field"] == "status")
        }
    }
}
