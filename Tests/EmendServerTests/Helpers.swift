import EmendCore
import EmendInterchange
import EmendServer
import EmendStore
import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Testing

/// Seven specimens chosen to exercise search: two institutions, four countries, one without coordinates,
/// one without a year, one on each side of the antimeridian.
let specimensCSV = """
    occurrenceID,institutionCode,collectionCode,catalogNumber,scientificName,family,country,countryCode,decimalLatitude,decimalLongitude,year,recordedBy,locality
    occ-1,NHMUK,BOT,BM001,Quercus robur,Fagaceae,United Kingdom,GB,51.5,-0.12,1901,J. Smith,Kew Gardens
    occ-2,NHMUK,BOT,BM002,Quercus petraea,Fagaceae,United Kingdom,GB,52.2,0.12,1925,A. Jones,Cambridge
    occ-3,NHMUK,ENT,BM003,Apis mellifera,Apidae,France,FR,48.85,2.35,1950,J. Smith,Paris
    occ-4,CNCI,ENT,CN004,Gryon floridanum,Scelionidae,Ghana,GH,,,1972,M. Mensah,Accra
    occ-5,CNCI,ENT,CN005,Apis mellifera,Apidae,Ghana,GH,5.6,-0.19,,M. Mensah,Accra
    occ-6,NHMUK,BOT,BM006,Fagus sylvatica,Fagaceae,Fiji,FJ,-17.8,179.5,1880,,Taveuni
    occ-7,NHMUK,BOT,BM007,Fagus sylvatica,Fagaceae,Fiji,FJ,-16.5,-179.9,1881,,Rabi

    """

/// A running application on an in-memory store holding `specimensCSV`, with a contributor and a curator.
struct TestApp {
    let store: Store
    let contributorToken: String
    let curatorToken: String

    init(reportLimit: Int = 100) async throws {
        let tick = Mutex(Int64(0))
        store = try Store.inMemory(clock: {
            Timestamp(milliseconds: 1_700_000_000_000 + tick.withLock { $0 += 1000; return $0 })
        })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emend-server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("specimens.csv")
        try specimensCSV.write(to: csv, atomically: true, encoding: .utf8)
        var source = try DarwinCoreSource.open(path: csv.path)
        _ = try store.importRecords(
            from: &source,
            source: ImportSource(datasetID: "test", title: "Test specimens", source: "specimens.csv", terms: source.terms, unknownTerms: [], replacedTerms: [:]))
        contributorToken = try store.addUser(name: "contributor", role: .contributor, scopes: []).1
        curatorToken = try store.addUser(name: "curator", role: .curator, scopes: ["NHMUK"]).1
        self.reportLimit = reportLimit
    }

    private let reportLimit: Int

    /// Runs `body` against the real router, in process.
    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = try await buildRouter(
            store: store, configuration: ServerConfiguration(bcryptCost: 4, reportLimit: reportLimit))
        try await Application(router: router).test(.router) { client in try await body(client) }
    }

    /// A browser logged in as the curator, who is given a password for it.
    func curatorBrowser(_ client: any TestClientProtocol) async throws -> Browser {
        let curator = try #require(try store.user(forToken: curatorToken))
        try store.setPassword(userID: curator.id, bcrypt: Bcrypt.hash("curator password", cost: 4))
        let browser = Browser(client)
        try await browser.get("/login")
        try await browser.post("/login", [("name", "curator"), ("password", "curator password")])
        return browser
    }

    /// The id Emend gives the specimen with this occurrenceID.
    static func id(_ occurrenceID: String) -> String { Identifiers.recordID(dataset: "test", key: occurrenceID) }

    /// Imports CSV text as another dataset of the store.
    func importCSV(_ csv: String, dataset: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emend-server-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("\(dataset).csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        var source = try DarwinCoreSource.open(path: file.path)
        _ = try store.importRecords(
            from: &source,
            source: ImportSource(datasetID: dataset, title: dataset, source: "\(dataset).csv", terms: source.terms, unknownTerms: [], replacedTerms: [:]))
    }
}

/// Four specimens whose latitude and longitude were entered the wrong way round: three of NHMUK (the test curator's
/// scope), one of CNCI.
let swappedCSV = """
    occurrenceID,institutionCode,collectionCode,catalogNumber,scientificName,country,countryCode,decimalLatitude,decimalLongitude
    sw-1,NHMUK,BOT,SW001,Quercus robur,United Kingdom,GB,-0.12,51.5
    sw-2,NHMUK,BOT,SW002,Quercus robur,United Kingdom,GB,-1.5,52.2
    sw-3,NHMUK,ENT,SW003,Apis mellifera,France,FR,2.35,48.85
    sw-4,CNCI,ENT,SW004,Apis mellifera,Ghana,GH,-0.19,5.6

    """

import Synchronization

extension TestClientProtocol {
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    /// GET of a JSON answer, parsed.
    func json(_ uri: String) async throws -> JSONValue {
        let response = try await get(uri)
        #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
        return try JSONParser.parse(String(buffer: response.body))
    }

    func post(_ uri: String, json: String, token: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var jsonBody: JSONValue { (try? JSONParser.parse(text)) ?? .null }
    var errorCode: String? { jsonBody["error"]?["code"]?.stringValue }
}

/// A browser: keeps cookies between requests and sends forms with the CSRF token of the page they came from.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    private var cookies: [String: String] = [:]
    private var lastPage = ""

    init(_ client: any TestClientProtocol) { self.client = client }

    @discardableResult
    func get(_ uri: String) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: cookieHeader)
        keepCookies(response)
        lastPage = response.text
        return response
    }

    /// Posts a form as the last page's form would: with its CSRF token unless `csrf` says otherwise.
    @discardableResult
    func post(_ uri: String, _ fields: [(String, String)], csrf: String? = nil) async throws -> TestResponse {
        let token = csrf ?? csrfToken ?? ""
        let body = ([("_csrf", token)] + fields).map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
        var headers = cookieHeader
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        keepCookies(response)
        return response
    }

    var csrfToken: String? {
        guard let range = lastPage.range(of: #"name="_csrf" value="([^"]*)""#, options: .regularExpression) else { return nil }
        return String(lastPage[range].dropFirst(#"name="_csrf" value=""#.count).dropLast())
    }

    var hasSession: Bool { cookies["emend_session"].map { !$0.isEmpty } ?? false }

    private var cookieHeader: HTTPFields {
        cookies.isEmpty ? [:] : [.cookie: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
    }

    private func keepCookies(_ response: TestResponse) {
        for header in response.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if header.contains("Max-Age=0") || value.isEmpty || header.lowercased().contains("expires=thu, 01 jan 1970") {
                cookies[name] = nil
            } else {
                cookies[name] = value
            }
        }
    }

    private func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
