import EmendCore
import EmendStore
import Foundation
import GRDB

/// A source of records held in memory, optionally failing fatally after some rows.
struct ArrayReader: SourceRecordReader {
    var records: [SourceRecord]
    var failAfter: Int?
    private var index = 0

    init(_ records: [SourceRecord], failAfter: Int? = nil) {
        self.records = records
        self.failAfter = failAfter
    }

    mutating func next(problems: inout [RowProblem]) throws(ImportError) -> SourceRecord? {
        if let failAfter, index == failAfter { throw ImportError(file: "test.csv", line: index + 2, reason: "broken on purpose") }
        guard index < records.count else { return nil }
        defer { index += 1 }
        return records[index]
    }
}

enum Given {
    static func specimen(_ number: Int, _ extra: [String: String] = [:]) -> SourceRecord {
        let fields = [
            "occurrenceID": "occ-\(number)", "catalogNumber": "BM\(number)", "institutionCode": "NHMUK",
            "scientificName": "Quercus robur", "country": "United Kingdom", "decimalLatitude": "51.5",
            "decimalLongitude": "-0.12", "year": "1901",
        ].merging(extra) { _, new in new }
        return SourceRecord(location: "test.csv line \(number + 1)", key: fields["occurrenceID"], fields: fields)
    }

    /// The import of a test source whose columns are `terms`.
    static func source(_ dataset: String = "test", terms: [String] = specimen(0).fields.keys.sorted()) -> ImportSource {
        ImportSource(datasetID: dataset, title: "Test", source: "test.csv", terms: terms, unknownTerms: [], replacedTerms: [:])
    }

    /// A store with a clock that ticks one second per transaction.
    static func store() throws -> Store {
        let tick = Counter()
        return try Store.inMemory(clock: { Timestamp(milliseconds: 1_700_000_000_000 + tick.next() * 1000) })
    }

    @discardableResult
    static func imported(_ records: [SourceRecord], into store: Store, dataset: String = "test") throws -> ImportSummary {
        var reader = ArrayReader(records)
        let terms = Set(records.flatMap(\.fields.keys)).sorted()
        return try store.importRecords(from: &reader, source: source(dataset, terms: terms))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64 = 0
    func next() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

extension Store {
    func fields(of recordID: String) throws -> [String: String]? {
        try read { db in
            // An imported version's fields are its event's (migration 18).
            try String.fetchOne(
                db, sql: "SELECT coalesce(fields, (SELECT json_extract(data, '$.fields') FROM events WHERE events.seq = records.seq)) FROM records WHERE id = ?",
                arguments: [recordID])
                .flatMap { try JSONParser.parse($0).stringMap }
        }
    }

    func count(_ sql: String) throws -> Int {
        try read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }
}
