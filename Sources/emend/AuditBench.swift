import ArgumentParser
import EmendCore
import EmendServer
import EmendStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird

/// What auditors wait for, over HTTP on 127.0.0.1: a long history, and searches of the past against the present.
struct AuditBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The history of a record with many versions, and searches as of an earlier seq against the same now; over HTTP.",
        discussion: """
            Run it on a database that already holds the records (e.g. 1,000,000 from ../shared/bench/gen_specimens.py). \
            It gives one record --versions versions (restoring its previous version over and over, as an admin), serves \
            the database on 127.0.0.1 and times each request --requests times.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Versions the record with the long history should have.") var versions: Int64 = 1000
    @Option(help: "Times each request is made.") var requests = 50
    @Option(help: "The port to serve on (127.0.0.1 only).") var port = 8098
    @Option(help: "A seq to search as of (repeat for several; default: where the log ended before the long history was made).")
    var asOf: [Int64] = []

    func run() async throws {
        let store = try database.open()
        let admin = try store.user(named: "bench-admin") ?? store.addUser(name: "bench-admin", role: .admin, scopes: []).0
        var query = RecordQuery()
        query.limit = 1
        guard let record = try await store.search(query).records.first else { throw ValidationError("the database holds no records") }
        let positions = asOf.isEmpty ? [try store.lastSeq()] : asOf
        try lengthen(record.id, store: store, admin: admin)
        _ = try store.checkpoint()
        let (server, base) = try await serveForBench(store, port: port)
        defer { server.cancel() }
        let searches = [
            "/api/records?q=forest&facet=country&facet=year", "/api/records?country=United%20Kingdom&facet=family",
            "/api/records?bbox=-10,35,30,60&year=1900..1950&limit=100",
        ]
        var paths = [("/api/records/\(record.id)/history", "history of a record with \(versions) versions")]
        for search in searches {
            paths.append((search, "search now"))
            for seq in positions { paths.append((search + "&asOf=\(seq)", "the same as of seq \(seq)")) }
        }
        for (path, label) in paths {
            var latencies: [Double] = []
            for _ in 0..<requests {
                let start = ContinuousClock.now
                let (body, response) = try await URLSession.shared.data(from: URL(string: path, relativeTo: base)!)
                let elapsed = ContinuousClock.now - start
                guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                    throw ValidationError("\(path) gave \(String(decoding: body.prefix(300), as: UTF8.self))")
                }
                latencies.append(elapsed.milliseconds)
            }
            say("\(path): \(label): \(Percentiles(latencies))")
        }
    }

    /// Restores the record's previous version until it has `versions` versions.
    private func lengthen(_ id: String, store: Store, admin: User) throws {
        var current = try store.record(id: id).state.version
        if current == 1 {
            let proposal = try store.submitProposal(
                record: id, baseVersion: 1, changes: ["locality": "Somewhere else"], rationale: "bench", actor: admin)
            current = try store.acceptProposal(proposal.id, terms: nil, edits: [:], note: nil, curator: admin).version
        }
        let start = Date()
        while current < versions {
            current = try store.revertRecord(id, to: current - 1, reason: "bench", curator: admin).version
        }
        say(String(format: "record %@ has %d versions (%.1f s to make them)", id, current, Date().timeIntervalSince(start)))
    }
}
