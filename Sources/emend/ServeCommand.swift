import ArgumentParser
import EmendCore
import EmendInterchange
import EmendServer
import EmendStore
import Foundation
import Hummingbird
import HummingbirdBcrypt

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the web site and the API.",
        discussion: """
            --demo starts on a new temporary database holding two real museum archives that ship with Emend \
            (UCSB Gryonoides wasps, CC0; the CPMR Ghana herbarium GBIF download, CC BY 4.0) and a demo \
            contributor and curator, whose passwords and API tokens it prints. The demo database is removed when \
            the server stops.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Flag(help: "Start on a new demo database instead of --db.") var demo = false
    @Option(help: "The address the public uses, e.g. https://emend.example.org (default: http://HOST:PORT).") var publicURL: String?
    @Flag(help: "Mark cookies Secure: set this when the site is served over HTTPS, directly or behind a TLS proxy.")
    var secureCookies = false
    @Option(help: "The DOI prefix that citations are named under (default: DataCite's test prefix 10.5072).") var doiPrefix = "10.5072"

    func run() async throws {
        let demoPath = demo ? FileManager.default.temporaryDirectory.appendingPathComponent("emend-demo-\(UUID().uuidString).sqlite").path : nil
        // Each demo makes a new database: without this, every run would leave its files in the temporary folder.
        defer {
            for file in demoPath.map({ path in ["", "-wal", "-shm", ".key"].map { path + $0 } }) ?? [] {
                try? FileManager.default.removeItem(atPath: file)
            }
        }
        let store = try demoPath.map(Self.demoStore) ?? database.open()
        // A log from before checkpoints has none: sign one now, so that the first request does not hash the whole log.
        if try store.lastSeq() > 0 { _ = try store.checkpoint() }
        Self.announce("Emend on http://\(host):\(port)/")
        let app = try await buildApplication(store: store, configuration: ServerConfiguration(
                host: host, port: port, publicURL: publicURL, secureCookies: secureCookies || publicURL?.hasPrefix("https://") == true,
                doiPrefix: doiPrefix))
        try await app.runService()
    }

    /// A fresh database at `path` with the bundled archives imported and two demo users.
    static func demoStore(at path: String) throws -> Store {
        let store = try Store(path: path)
        let archives = try FileManager.default.contentsOfDirectory(
            at: Bundle.module.url(forResource: "Demo", withExtension: nil)!, includingPropertiesForKeys: nil)
        for archive in archives.sorted(by: { $0.path < $1.path }) {
            var source = try DarwinCoreSource.open(path: archive.path)
            let name = archive.deletingPathExtension().lastPathComponent
            let summary = try store.importRecords(
                from: &source,
                source: ImportSource(
                    datasetID: Identifiers.slug(name), title: source.title ?? name, source: source.sourceName,
                    terms: source.terms, unknownTerms: source.unknownTerms, replacedTerms: source.replacedTerms))
            announce("Demo: imported \(summary.added) records from \(source.sourceName)")
        }
        let suggestions = try store.suggestQualityFixes()
        announce(
            "Demo: \(suggestions.suggestedTotal) machine suggestions by system:quality in the queue ("
                + suggestions.suggested.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")
        for (name, role) in [("demo-contributor", Role.contributor), ("demo-curator", Role.curator)] {
            let (user, token) = try store.addUser(name: name, role: role, scopes: role == .curator ? ["CNCI"] : [])
            let password = "demo-" + String(UUID().uuidString.lowercased().prefix(8))
            try store.setPassword(userID: user.id, bcrypt: Bcrypt.hash(password, cost: 10))
            announce("Demo: \(role.rawValue) \(name), password \(password), API token \(token)")
        }
        announce("Demo database: \(path)")
        return store
    }

    /// Unbuffered, so that whoever reads the demo's credentials from a pipe sees them as soon as they are printed.
    private static func announce(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
