import ArgumentParser
import EmendCore
import EmendServer
import EmendStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdBcrypt

/// The curators' workload against the real server on 127.0.0.1: queue pages and acceptances, many curators at once.
struct ModerationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderation",
        abstract: "Queue pages and acceptances by many curators at once, over HTTP; prints latency percentiles.",
        discussion: """
            Run it on a database that already holds the records, e.g. `emend import specimens.csv --db bench.sqlite` \
            of ../shared/bench/gen_specimens.py --n 1000000. It tops the queue up to --pending open proposals (on every \
            tenth record, by 50 contributors), adds the curators (scoped by institution and collection, spread over \
            the collections found), serves the database on 127.0.0.1, and measures.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Open proposals to have in the queue before measuring.") var pending = 100_000
    @Option(help: "Curators working at once.") var curators = 16
    @Option(help: "Queue pages each curator reads per run.") var pages = 100
    @Option(help: "Proposals each curator accepts per run.") var accepts = 50
    @Option(help: "How many runs.") var runs = 3
    @Option(help: "The port to serve on (127.0.0.1 only).") var port = 8097
    @Option(help: "Milliseconds from one request of a curator to their next (0: each next as soon as the last answers).")
    var pace = 0

    func run() async throws {
        let store = try database.open()
        try await seed(store)
        _ = try store.checkpoint()  // As `emend serve` does at start: a log from before checkpoints gets its first.
        let team = try curatorsByCollection(store)
        let (server, base) = try await serveForBench(store, port: port, bcryptCost: 4)
        defer { server.cancel() }
        let clients = try await withThrowingTaskGroup(of: HTTPCurator.self) { group in
            for curator in team { group.addTask { try await HTTPCurator.logIn(curator, base: base) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        var results: [String: [Percentiles]] = [:]
        for run in 1...runs {
            let queuePaths = [
                "/moderation", "/moderation?sort=newest", "/api/moderation/queue?limit=50",
                "/api/moderation/queue?limit=50&term=decimalLatitude",
            ]
            // Each curator reads every kind of queue page in turn: the console and the API, oldest or newest first, with a filter.
            let queueLatencies = try await measure(clients) { client, index in
                let path = queuePaths[index % queuePaths.count]
                try await client.get(path)
                return path
            } count: { _ in pages }
            // The floor: what the client and HTTP alone cost at the same concurrency.
            let floor = try await measure(clients) { client, _ in
                try await client.get("/health")
                return "/health"
            } count: { _ in pages }
            let plan = try acceptancePlan(store, curators: clients.map(\.curator), each: accepts)
            let acceptLatencies = try await measure(clients) { client, index in
                let status = try await client.post("/api/proposals/\(plan[client.curator.id]![index])/accept", json: "{}")
                return status == 200 ? "accept" : "stale"
            } count: { plan[$0.curator.id]!.count }
            say("run \(run): \(acceptLatencies.filter { $0.label == "stale" }.count) acceptances were refused as stale")
            let accepted = acceptLatencies.filter { $0.label == "accept" }.map(\.latency)
            for (name, latencies) in [("queue pages", queueLatencies.map(\.latency)), ("accept", accepted), ("/health (the floor)", floor.map(\.latency))]
                + queuePaths.map({ path in ("  " + path, queueLatencies.filter { $0.label == path }.map(\.latency)) })
            {
                let percentiles = Percentiles(latencies)
                results[name, default: []].append(percentiles)
                say("run \(run): \(name): \(percentiles)")
            }
            try await seed(store)
        }
        for (name, runs) in results.sorted(by: { $0.key < $1.key }) {
            func median(_ value: (Percentiles) -> Double) -> Double { runs.map(value).sorted()[runs.count / 2] }
            say(String(
                format: "%@: median of %d runs: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms (%d requests a run, %d curators at once, %@)",
                name, runs.count, median(\.p50), median(\.p90), median(\.p99), runs[0].count, clients.count,
                pace == 0 ? "each next request as soon as the last answers" : "each a request every \(pace) ms"))
        }
    }

    /// Tops the open proposals up to `pending`, on every tenth record, by 50 contributors.
    private func seed(_ store: Store) async throws {
        let admin = try benchAdmin(store)
        let open = try store.moderationQueue(QueueQuery(), for: admin).counts["open"] ?? 0
        guard open < pending else { return }
        var contributors: [User] = []
        for number in 1...50 {
            let name = "bench-contributor-\(number)"
            contributors.append(try store.user(named: name) ?? store.addUser(name: name, role: .contributor, scopes: []).0)
        }
        var query = RecordQuery()
        query.limit = RecordQuery.maxLimit
        var made = 0, seen = 0
        let start = Date()
        while made < pending - open {
            let page = try await store.search(query)
            for record in page.records where made < pending - open {
                seen += 1
                // One open proposal a record: a second on the same term would go stale when the first is accepted.
                guard seen % 10 == 0, try !store.contributions(onRecord: record.id).proposals.contains(where: \.isPending) else { continue }
                let fields = record.fields
                let change: [String: String?] =
                    switch seen / 10 % 3 {
                    case 0: ["decimalLatitude": String(format: "%.4f", (Double(fields["decimalLatitude"] ?? "") ?? 0) + 0.0125)]
                    case 1: ["locality": (fields["locality"] ?? "") + " (per the label)"]
                    default: ["recordedBy": "A. N. Collector"]
                    }
                do {
                    _ = try store.submitProposal(
                        record: record.id, baseVersion: record.version, changes: change, rationale: "Checked against the label",
                        actor: contributors[seen / 10 % contributors.count])
                    made += 1
                } catch is InvalidInput {
                    continue  // The record already holds that value: take the next one.
                }
            }
            guard let next = page.next else { break }
            query.cursor = next
        }
        say(String(format: "seeded %d open proposals in %.1f s (%d were open)", made, Date().timeIntervalSince(start), open))
    }

    private func benchAdmin(_ store: Store) throws -> User {
        try store.user(named: "bench-admin") ?? store.addUser(name: "bench-admin", role: .admin, scopes: []).0
    }

    /// `curators` curators spread over the collections that have open proposals, each with a password and a token.
    private func curatorsByCollection(_ store: Store) throws -> [(user: User, token: String)] {
        let admin = try benchAdmin(store)
        let collections = try store.queueHealth(for: admin).pendingByCollection.sorted { $0.value > $1.value }.map(\.key)
        guard !collections.isEmpty else { throw ValidationError("the queue is empty: import records first") }
        return try (0..<curators).map { number in
            let name = "bench-curator-\(number + 1)"
            let scope = collections[number % collections.count]
            let user = try store.user(named: name) ?? store.addUser(name: name, role: .curator, scopes: [scope]).0
            try store.setPassword(userID: user.id, bcrypt: Bcrypt.hash("bench password", cost: 4))
            return (user, try store.newToken(for: user.id))
        }
    }

    /// For each curator, `each` open proposals in their scope that no other curator of the same scope takes.
    private func acceptancePlan(_ store: Store, curators: [User], each: Int) throws -> [String: [String]] {
        let byScope = Dictionary(grouping: curators, by: \.scopes)
        var plan: [String: [String]] = [:]
        for (_, team) in byScope {
            var query = QueueQuery()
            query.limit = min(RecordQuery.maxLimit, each * team.count)
            let ids = try store.moderationQueue(query, for: team[0]).items.map(\.proposal.id)
            for (position, curator) in team.enumerated() {
                plan[curator.id] = stride(from: position, to: ids.count, by: team.count).map { ids[$0] }
            }
        }
        return plan
    }

    /// Runs every client's requests at once, each client one request after another; each request's label (what
    /// `request` returns) and latency in milliseconds.
    private func measure(
        _ clients: [HTTPCurator], _ request: @escaping @Sendable (HTTPCurator, Int) async throws -> String,
        count: @escaping @Sendable (HTTPCurator) -> Int
    ) async throws -> [(label: String, latency: Double)] {
        try await withThrowingTaskGroup(of: [(label: String, latency: Double)].self) { group in
            for client in clients {
                group.addTask { [pace] in
                    var latencies: [(label: String, latency: Double)] = []
                    // Curators start a little apart, as people do, then keep to their pace.
                    var due = ContinuousClock.now + .milliseconds(Int.random(in: 0...pace))
                    for index in 0..<count(client) {
                        try await Task.sleep(until: due)
                        due += .milliseconds(pace)
                        let start = ContinuousClock.now
                        let label = try await request(client, index)
                        let elapsed = ContinuousClock.now - start
                        latencies.append((label, elapsed.milliseconds))
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}

/// p50, p90 and p99 of a set of latencies, in milliseconds.
struct Percentiles: CustomStringConvertible {
    var count: Int
    var p50: Double, p90: Double, p99: Double

    init(_ latencies: [Double]) {
        let sorted = latencies.sorted()
        func at(_ share: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * share))] }
        count = sorted.count
        p50 = at(0.5)
        p90 = at(0.9)
        p99 = at(0.99)
    }

    var description: String { String(format: "%d requests, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms", count, p50, p90, p99) }
}

/// One curator talking to the server: the API with their token, the console with their session cookie.
struct HTTPCurator: Sendable {
    let curator: User
    let token: String
    let cookie: String
    let base: URL
    let session: URLSession

    /// Logs in through the site's form, as a browser does, and makes an API token.
    static func logIn(_ curator: (user: User, token: String), base: URL) async throws -> HTTPCurator {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpMaximumConnectionsPerHost = 1
        let session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
        let (_, form) = try await session.data(from: base.appendingPathComponent("login"))
        let csrf = try cookie("emend_csrf", in: form)
        var request = URLRequest(url: base.appendingPathComponent("login"))
        request.httpMethod = "POST"
        request.setValue("emend_csrf=\(csrf)", forHTTPHeaderField: "Cookie")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("_csrf=\(csrf)&name=\(curator.user.name)&password=bench%20password".utf8)
        let (_, loggedIn) = try await session.data(for: request)
        let sessionCookie = try cookie("emend_session", in: loggedIn)
        return HTTPCurator(
            curator: curator.user, token: curator.token, cookie: "emend_csrf=\(csrf); emend_session=\(sessionCookie)",
            base: base, session: session)
    }

    private static func cookie(_ name: String, in response: URLResponse) throws -> String {
        let header = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Set-Cookie") ?? ""
        guard let range = header.range(of: "\(name)=[^;,]+", options: .regularExpression) else {
            throw ValidationError("logging in gave no \(name) cookie: \(header)")
        }
        return String(header[range].dropFirst(name.count + 1))
    }

    func get(_ path: String) async throws {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        if path.hasPrefix("/api/") {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        } else {
            request.setValue(cookie, forHTTPHeaderField: "Cookie")
        }
        try await send(request)
    }

    /// Returns the status, which is 200, or 409 when the proposal went stale: seeding may put two proposals on one record.
    @discardableResult
    func post(_ path: String, json: String) async throws -> Int {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(json.utf8)
        return try await send(request, allowing: [200, 409])
    }

    @discardableResult
    private func send(_ request: URLRequest, allowing statuses: Set<Int> = [200]) async throws -> Int {
        let (body, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard statuses.contains(status) else {
            throw ValidationError("\(request.httpMethod ?? "GET") \(request.url!.path) gave \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        return status
    }
}

/// Keeps the 303 after logging in, whose Set-Cookie holds the session.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
