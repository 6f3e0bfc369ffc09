import CompressNIO
import EmendCore
import EmendInterchange
import EmendStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import ZIPFoundation

@Suite struct ExportAPITests {
    @Test func aSearchDownloadsAsCSVWithEveryTermAColumn() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given the seven specimens, and one with a comma and a quote in its locality
            try await accept(client, app, "occ-1", #"{"locality": "Kew, \"Gardens\""}"#)
            // When a user downloads a search as CSV
            let response = try await client.get("/api/records/export?format=csv&institutionCode=NHMUK")
            // Then every matching record is a row, the columns the record id, version, dataset and each term
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.contentDisposition]?.contains("attachment") == true)
            let lines = response.text.components(separatedBy: "\r\n")
            #expect(lines.first?.hasPrefix("id,version,dataset,") == true)
            let header = lines[0].split(separator: ",").map(String.init)
            #expect(Set(header.dropFirst(3)) == Set(specimensCSV.split(separator: "\n")[0].split(separator: ",").map(String.init)))
            #expect(lines.count == 5 + 2)  // header, five NHMUK records, and the empty text after the last CRLF
            // And a value with the delimiter or a quote is quoted, quotes doubled
            let kew = try #require(lines.first { $0.hasPrefix(TestApp.id("occ-1")) })
            #expect(kew.contains(#","Kew, ""Gardens""","#) && kew.hasPrefix("\(TestApp.id("occ-1")),2,test,"))
        }
    }

    @Test func aDownloadIsOfOneLogPositionAndCanBeAskedAsOfThePast() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // Given a search's download now, then a change to one of its records
            let before = try await client.get("/api/records/export?format=tsv&country=Ghana")
            let seq = try #require(before.headers[.emendAsOf])
            try await accept(client, app, "occ-4", #"{"locality": "Legon"}"#)
            // When the same download is asked as of the seq the first one named
            let past = try await client.get("/api/records/export?format=tsv&country=Ghana&asOf=\(seq)")
            let now = try await client.get("/api/records/export?format=tsv&country=Ghana")
            // Then it is the same, byte for byte, and the one of now has the change
            #expect(past.text == before.text)
            #expect(now.text != before.text && now.text.contains("\tLegon\t") && !before.text.contains("Legon"))
            #expect(before.text.split(separator: "\r\n").first?.hasPrefix("id\tversion\tdataset\t") == true)
        }
    }

    @Test func aDarwinCoreArchiveHoldsMetaEMLCitationAndEveryRecord() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When a user downloads every record as a Darwin Core Archive
            let response = try await client.get("/api/records/export?format=dwca")
            #expect(response.status == .ok && response.headers[.contentType] == "application/zip")
            // Then the ZIP has meta.xml, occurrence.txt with a row per record and no blank line, eml.xml and a citation
            let archive = try Archive(data: Data(buffer: response.body), accessMode: .read)
            func file(_ name: String) throws -> String {
                var data = Data()
                _ = try archive.extract(try #require(archive[name]), consumer: { data.append($0) })
                return String(decoding: data, as: UTF8.self)
            }
            #expect(archive.map(\.path) == ["meta.xml", "occurrence.txt", "eml.xml", "citation.txt"])
            let meta = try file("meta.xml")
            #expect(meta.contains(#"rowType="http://rs.tdwg.org/dwc/terms/Occurrence""#))
            #expect(meta.contains(#"term="http://rs.tdwg.org/dwc/terms/decimalLatitude""#))
            let occurrences = try file("occurrence.txt")
            #expect(occurrences.hasSuffix("\n") && !occurrences.hasSuffix("\n\n"))
            #expect(occurrences.split(separator: "\n").count == 1 + 7)
            let eml = try file("eml.xml")
            #expect(eml.contains("7 specimen records matching all records"))
            #expect(try file("citation.txt").hasPrefix("Emend ("))
        }
    }

    @Test func aDarwinCoreArchiveCarriesTheRecordsExtensionRows() async throws {
        // Given the records of a GBIF download, each with its verbatim row (an extension of row type Occurrence)
        let app = try await TestApp()
        let gbif = Python.fixtures.appendingPathComponent("dwca/real/gbif-download-10.15468-dl.npd2js-cpmr-dwca.zip").path
        var source = try DarwinCoreSource.open(path: gbif)
        _ = try app.store.importRecords(
            from: &source,
            source: ImportSource(datasetID: "gbif", title: "GBIF", source: "gbif.zip", terms: source.terms, unknownTerms: source.unknownTerms, replacedTerms: [:]))
        try await app.test { client async throws in
            // When they are downloaded as a Darwin Core Archive
            let response = try await client.get("/api/records/export?format=dwca&dataset=gbif")
            #expect(response.status == .ok)
            let body = Data(buffer: response.body)
            let archive = try Archive(data: body, accessMode: .read)
            func file(_ name: String) throws -> String {
                var data = Data()
                _ = try archive.extract(try #require(archive[name]), consumer: { data.append($0) })
                return String(decoding: data, as: UTF8.self)
            }
            // Then the extension file follows occurrence.txt under a name of its own, meta.xml describes it (valid
            // against the TDWG schema), and each row is under its record's id
            #expect(archive.map(\.path) == ["meta.xml", "occurrence.txt", "occurrence-2.txt", "eml.xml", "citation.txt"])
            let meta = try file("meta.xml")
            #expect(meta.contains(#"<extension encoding="UTF-8""#) && meta.contains("<location>occurrence-2.txt</location>"))
            #expect(meta.contains(#"<coreid index="0"/>"#))
            #expect(try Python.validateXML(meta, schema: "dwca-meta-schema/tdwg_dwc_text.offline.xsd") == "")
            let ids = Set(try file("occurrence.txt").split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) })
            let rows = try file("occurrence-2.txt").split(separator: "\n").dropFirst()
            #expect(rows.count == ids.count)
            #expect(Set(rows.map { String($0.prefix { $0 != "," }) }) == ids)
            // And the download imports again with every record's rows as they were
            let downloaded = FileManager.default.temporaryDirectory.appendingPathComponent("emend-\(UUID().uuidString).zip")
            try body.write(to: downloaded)
            defer { try? FileManager.default.removeItem(at: downloaded) }
            var again = try DarwinCoreSource.open(path: downloaded.path)
            let copy = try Store.inMemory()
            _ = try copy.importRecords(
                from: &again,
                source: ImportSource(datasetID: "copy", title: "Copy", source: "copy.zip", terms: again.terms, unknownTerms: again.unknownTerms, replacedTerms: [:]))
            func extensionRows(_ store: Store, dataset: String) async throws -> [String] {
                var query = RecordQuery()
                query.filters[.dataset] = [dataset]
                query.limit = 10_000
                return try await store.search(query).records.flatMap { record in
                    RecordState.extensions(from: record.extensionsJSON.flatMap { try? JSONParser.parse($0) })
                        .flatMap { rowType, rows in rows.map { "\(rowType) \($0.sorted { $0.key < $1.key })" } }
                }.sorted()
            }
            let original = try await extensionRows(app.store, dataset: "gbif")
            #expect(original.count == ids.count)
            #expect(try await extensionRows(copy, dataset: "copy") == original)
            // And a download of a dataset without extension rows has no extension file
            let others = try Archive(data: Data(buffer: try await client.get("/api/records/export?format=dwca&dataset=test").body), accessMode: .read)
            #expect(others.map(\.path) == ["meta.xml", "occurrence.txt", "eml.xml", "citation.txt"])
        }
    }

    @Test func geoJSONAndNDJSONCarryEachRecord() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When a user downloads the Ghana records as GeoJSON and as NDJSON
            let geojson = try await client.get("/api/records/export?format=geojson&country=Ghana")
            let ndjson = try await client.get("/api/records/export?format=ndjson&country=Ghana")
            // Then each record is a feature, with a point where it has coordinates and null where not
            // (GeoJSON coordinates are numbers, which the log's own JSON parser refuses: Foundation reads them here.)
            let collection = try #require(try JSONSerialization.jsonObject(with: Data(buffer: geojson.body)) as? [String: Any])
            let features = try #require(collection["features"] as? [[String: Any]])
            #expect(collection["type"] as? String == "FeatureCollection" && features.count == 2)
            let accra = try #require(features.first { $0["id"] as? String == TestApp.id("occ-5") })
            let point = try #require(accra["geometry"] as? [String: Any])
            #expect(point["type"] as? String == "Point" && point["coordinates"] as? [Double] == [-0.19, 5.6])
            #expect((accra["properties"] as? [String: Any])?["catalogNumber"] as? String == "CN005")
            #expect(features.first { $0["id"] as? String == TestApp.id("occ-4") }?["geometry"] is NSNull)
            // And each NDJSON line is the record as a search gives it
            let lines = ndjson.text.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(try JSONParser.parse(String(lines[0]))["fields"]?["country"] == "Ghana")
        }
    }

    @Test func gzipOnRequest() async throws {
        // Given 4,500 more records: a download of four pages, each deflated while the next is written
        let app = try await TestApp()
        try app.importCSV(
            (["catalogNumber,institutionCode,scientificName"] + (1...4500).map { "NHMUK\($0),NHMUK,Quercus robur" }).joined(separator: "\n"),
            dataset: "many")
        try await app.test { client async throws in
            // When a client that accepts gzip downloads CSV
            let plain = try await client.get("/api/records/export?format=csv")
            let zipped = try await client.get("/api/records/export?format=csv", headers: [.acceptEncoding: "br;q=1, gzip;q=0.5"])
            // Then it is gzipped, and unzips to the same CSV; a client that refuses it gets it plain
            #expect(zipped.headers[.contentEncoding] == "gzip")
            var body = zipped.body
            let unzipped = try body.decompress(with: .gzip())
            #expect(String(buffer: unzipped) == plain.text)
            let refused = try await client.get("/api/records/export?format=csv", headers: [.acceptEncoding: "gzip;q=0"])
            #expect(refused.headers[.contentEncoding] == nil && refused.text == plain.text)
        }
    }

    @Test func badDownloadsAreRefusedNamingTheParameter() async throws {
        let app = try await TestApp()
        try await app.test { client async throws in
            // When a download names no format, an unknown one, a cursor or a bad search parameter
            for (uri, field) in [
                ("/api/records/export", "format"), ("/api/records/export?format=xlsx", "format"),
                ("/api/records/export?format=csv&cursor=abc", "cursor"), ("/api/records/export?format=csv&limit=5", "limit"),
                ("/api/records/export?format=csv&year=later", "year"), ("/api/records/export?format=csv&colour=red", "colour"),
            ] {
                let response = try await client.get(uri)
                // Then it is a 400 that names it
                #expect(response.status == .badRequest, "\(uri)")
                #expect(response.jsonBody["error"]?["field"]?.stringValue == field, "\(uri): \(response.text)")
            }
        }
    }

    private func accept(_ client: any TestClientProtocol, _ app: TestApp, _ record: String, _ changes: String) async throws {
        let version = try await client.json("/api/records/\(TestApp.id(record))")["version"]?.intValue ?? 0
        let proposal = try #require(
            try await client.post(
                "/api/records/\(TestApp.id(record))/proposals", json: #"{"baseVersion": \#(version), "changes": \#(changes), "rationale": "label"}"#,
                token: app.contributorToken
            ).jsonBody["id"]?.stringValue)
        let admin = try app.store.addUser(name: "admin-\(UUID().uuidString.prefix(8))", role: .admin, scopes: []).1
        #expect(try await client.post("/api/proposals/\(proposal)/accept", json: "{}", token: admin).status == .ok)
    }
}
