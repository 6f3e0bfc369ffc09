import EmendCore
import Foundation
import GRDB

/// What an import is about: the dataset it adds to and where the rows come from.
public struct ImportSource: Sendable {
    public var datasetID: String
    public var title: String
    /// The file or folder name, for the dataset's history.
    public var source: String
    /// The terms the source's core rows can give a record, as read (current names, and unknown terms as they are):
    /// a download of the dataset has these columns.
    public var terms: [String]
    /// Column names that are not Darwin Core terms (kept on the records), and legacy names mapped to current terms.
    public var unknownTerms: [String]
    public var replacedTerms: [String: String]

    public init(
        datasetID: String, title: String, source: String, terms: [String], unknownTerms: [String], replacedTerms: [String: String]
    ) {
        self.datasetID = datasetID
        self.title = title
        self.source = source
        self.terms = terms
        self.unknownTerms = unknownTerms
        self.replacedTerms = replacedTerms
    }
}

/// The outcome of one import, as printed and as recorded in the dataset's `DatasetImported` event.
public struct ImportSummary: Sendable, Equatable {
    public var rows = 0
    public var added = 0
    public var revised = 0
    public var unchanged = 0
    /// Records of the dataset that the source no longer has: reported, never deleted.
    public var missing = 0
    public var missingExamples: [String] = []
    /// Records where the source disagrees with a curator's accepted correction: the correction stays, and the
    /// source's values go to the moderation queue as a proposal.
    public var disagreements = 0
    public var disagreementExamples: [String] = []
    public var problemCounts: [RowProblem.Kind: Int] = [:]
    public var problemExamples: [RowProblem] = []
    public var firstSeq: Int64?
    public var lastSeq: Int64?

    public static let examplesKept = 5

    public mutating func note(_ problem: RowProblem) {
        problemCounts[problem.kind, default: 0] += 1
        if problemCounts[problem.kind]! <= Self.examplesKept { problemExamples.append(problem) }
    }

    public func count(_ kind: RowProblem.Kind) -> Int { problemCounts[kind] ?? 0 }
}

extension Store {
    /// Imports a whole source as one transaction: on a fatal problem nothing is written. New records get version 1,
    /// changed ones a version holding exactly the changed terms, unchanged ones nothing.
    public func importRecords(
        from reader: inout some SourceRecordReader, source: ImportSource, actor: String = "system",
        progress: (ImportSummary) -> Void = { _ in }
    ) throws -> ImportSummary {
        try bulkWrite { db, counted in
            var log = try LogTransaction(db: db, now: clock(), signingKey: signingKey)
            var summary = ImportSummary()
            var seen = Set<String>()
            let firstSeq = log.lastSeq + 1
            // A dataset with no records yet has nothing to compare each row against.
            let datasetIsNew = try Bool.fetchOne(
                db, sql: "SELECT NOT EXISTS (SELECT 1 FROM records WHERE dataset_id = ?)", arguments: [source.datasetID]) == true
            if datasetIsNew {
                try withUnsafeMutablePointer(to: &reader) { reader in
                    try importNew(
                        from: reader, source: source, actor: actor, log: &log, summary: &summary, counted: &counted, progress: progress)
                }
            } else {
                while let record = try Self.nextRecord(from: &reader, source: source, summary: &summary, seen: &seen) {
                    try importOne(
                        record.record, id: record.id, existing: try RecordRow.fetch(id: record.id, db: db), source: source,
                        actor: actor, log: &log, summary: &summary)
                    if summary.rows % 10_000 == 0 { progress(summary) }
                }
                let ids = try String.fetchCursor(
                    db, sql: "SELECT id FROM records WHERE dataset_id = ? ORDER BY id", arguments: [source.datasetID])
                while let id = try ids.next() {
                    guard !seen.contains(id) else { continue }
                    summary.missing += 1
                    if summary.missingExamples.count < ImportSummary.examplesKept { summary.missingExamples.append(id) }
                }
            }
            let event = NewEvent(
                stream: "dataset/\(source.datasetID)", type: EventType.datasetImported, actor: actor,
                data: Self.eventData(source: source, summary: summary))
            try log.append(event, expectedVersion: try log.version(of: event.stream))
            try log.checkpoint()
            summary.firstSeq = firstSeq
            summary.lastSeq = log.lastSeq
            progress(summary)
            return summary
        }
    }

    /// The next row to import with its record id; rows without an id, and ids seen before, are noted and skipped.
    fileprivate static func nextRecord(
        from reader: inout some SourceRecordReader, source: ImportSource, summary: inout ImportSummary, seen: inout Set<String>
    ) throws -> (record: SourceRecord, id: String)? {
        var problems: [RowProblem] = []
        while true {
            let next = try reader.next(problems: &problems)
            for problem in problems { summary.note(problem) }
            problems.removeAll(keepingCapacity: true)
            guard let record = next else { return nil }
            summary.rows += 1
            guard let key = record.key else {
                summary.note(RowProblem(kind: .missingID, location: record.location, detail: "no occurrenceID, id or catalogNumber"))
                continue
            }
            let id = Identifiers.recordID(dataset: source.datasetID, key: key)
            guard seen.insert(id).inserted else {
                summary.note(RowProblem(kind: .duplicateID, location: record.location, detail: "\(key) appeared earlier; this row is skipped"))
                continue
            }
            return (record, id)
        }
    }

    /// A dataset's first import: every record is new, so nothing needs the database but the writing. Another
    /// thread reads the source and makes each next batch of events (canonical data, chain, hash) and record rows
    /// while this one writes the batch before; the rows are what `Projector` makes of the events.
    private func importNew<Reader: SourceRecordReader>(
        from reader: UnsafeMutablePointer<Reader>, source: ImportSource, actor: String, log: inout LogTransaction,
        summary: inout ImportSummary, counted: inout RecordCounts.Tally, progress: (ImportSummary) -> Void
    ) throws {
        let producer = NewRecords(reader: reader, source: source, actor: actor, chain: log.chain)
        let records = try RecordRow.Writer(log.db)
        var pending = Pending { try producer.nextBatch() }
        // The producer reads through `reader`: it must be done before this returns, also when writing fails.
        defer { _ = try? pending.value() }
        while true {
            let batch = try pending.value()
            if !batch.records.isEmpty { pending = Pending { try producer.nextBatch() } }
            for record in batch.records {
                try log.insert(record.event)
                try records.insert(record.row)
            }
            counted.add(batch.counted)
            let crossedTenThousand = batch.summary.rows / 10_000 > summary.rows / 10_000
            summary = batch.summary
            if batch.records.isEmpty { return }
            if crossedTenThousand { progress(summary) }
        }
    }

    private func importOne(
        _ record: SourceRecord, id: String, existing: RecordRow?, source: ImportSource, actor: String,
        log: inout LogTransaction, summary: inout ImportSummary
    ) throws {
        let stream = RecordState.stream(id)
        guard let existing else {
            var data: [String: JSONValue] = ["dataset": .string(source.datasetID), "fields": JSONValue(record.fields)]
            if !record.extensions.isEmpty { data["extensions"] = RecordState.json(record.extensions) }
            try log.append(NewEvent(stream: stream, type: EventType.recordImported, actor: actor, data: .object(data)), expectedVersion: 0)
            summary.added += 1
            return
        }
        // A term a curator corrected keeps its corrected value; where the source says otherwise, a curator chooses.
        let corrected = try Self.corrections(of: id, db: log.db)
        var changes: [TermChange] = [], disputed: [TermChange] = []
        for change in TermChange.between(existing.state.fields, record.fields) {
            if let value = corrected[change.term], value == change.from { disputed.append(change) } else { changes.append(change) }
        }
        if !disputed.isEmpty {
            try Self.queueDisagreement(disputed, record: id, source: source, actor: actor, log: &log, summary: &summary)
        }
        let extensions = RecordState.extensionChanges(from: existing.state.extensions, to: record.extensions)
        guard !changes.isEmpty || !extensions.isEmpty else {
            summary.unchanged += 1
            return
        }
        var data: [String: JSONValue] = [
            "cause": ["kind": "import", "dataset": .string(source.datasetID)], "changes": TermChange.json(changes),
        ]
        if !extensions.isEmpty { data["extensions"] = RecordState.json(extensions) }
        try log.append(
            NewEvent(stream: stream, type: EventType.recordRevised, actor: actor, data: .object(data)),
            expectedVersion: existing.state.version)
        summary.revised += 1
    }

    /// The accepted corrections of a record: term → corrected value (nil: the correction removed it).
    private static func corrections(of record: String, db: Database) throws -> [String: String?] {
        let statement = try db.cachedStatement(sql: "SELECT term, value FROM corrections WHERE record_id = ?")
        var corrections: [String: String?] = [:]
        for row in try Row.fetchAll(statement, arguments: [record]) { corrections[row["term"]] = .some(row["value"]) }
        return corrections
    }

    /// Puts the source's values for corrected terms in the queue as a proposal by the importer, once: the same
    /// disagreement still open from an earlier import is not filed again.
    private static func queueDisagreement(
        _ disputed: [TermChange], record id: String, source: ImportSource, actor: String, log: inout LogTransaction,
        summary: inout ImportSummary
    ) throws {
        let changes = TermChange.json(disputed)
        let open = try String.fetchAll(
            log.db, sql: "SELECT changes FROM proposals WHERE record_id = ? AND actor = ? AND status IN ('open', 'needs-info')",
            arguments: [id, actor])
        summary.disagreements += 1
        if summary.disagreementExamples.count < ImportSummary.examplesKept { summary.disagreementExamples.append(id) }
        guard !open.contains(CanonicalJSON.string(changes)) else { return }
        try log.append(
            NewEvent(
                stream: "proposal/\(newID())", type: EventType.proposalSubmitted, actor: actor,
                data: [
                    "record": .string(id), "baseVersion": .int(try log.version(of: RecordState.stream(id))), "changes": changes,
                    "rationale": .string(
                        "The re-import of \(source.datasetID) (\(source.source)) gives these values, where a curator's accepted correction holds. Accept to take the source's values; reject to keep the correction."),
                ]),
            expectedVersion: 0)
    }

    /// The data of a RecordImported event, as canonical JSON.
    fileprivate static func recordImportedData(dataset: String, fields: [String: String], extensions: ExtensionRows) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(1024)
        // The keys in canonical (sorted) order.
        data.append(contentsOf: #"{"dataset":"#.utf8)
        CanonicalJSON.writeString(dataset, into: &data)
        if !extensions.isEmpty {
            data.append(contentsOf: #","extensions":"#.utf8)
            CanonicalJSON.write(RecordState.json(extensions), into: &data)
        }
        data.append(contentsOf: #","fields":"#.utf8)
        CanonicalJSON.write(fields, into: &data)
        data.append(UInt8(ascii: "}"))
        return data
    }

    private static func eventData(source: ImportSource, summary: ImportSummary) -> JSONValue {
        [
            "title": .string(source.title), "source": .string(source.source),
            "rows": .int(Int64(summary.rows)), "added": .int(Int64(summary.added)),
            "revised": .int(Int64(summary.revised)), "unchanged": .int(Int64(summary.unchanged)),
            "missing": .int(Int64(summary.missing)), "disagreements": .int(Int64(summary.disagreements)),
            "skipped": .object(Dictionary(uniqueKeysWithValues: summary.problemCounts.map { ($0.key.rawValue, .int(Int64($0.value))) })),
            "terms": .array(source.terms.map(JSONValue.string)),
            "unknownTerms": .array(source.unknownTerms.map(JSONValue.string)),
            "replacedTerms": JSONValue(source.replacedTerms),
        ]
    }
}

/// Makes the events and record rows of a new dataset's import, batch by batch, away from the SQLite writer.
/// Only one batch is made at a time (the next is asked for once the last is handed over), so its state needs no lock.
private final class NewRecords<Reader: SourceRecordReader>: @unchecked Sendable {
    struct Record: Sendable {
        var event: PreparedEvent
        var row: RecordRow.Prepared
    }

    private let reader: UnsafeMutablePointer<Reader>
    private let source: ImportSource
    private let actor: String
    private var chain: EventChain
    private var summary = ImportSummary()
    private var seen = Set<String>()

    init(reader: UnsafeMutablePointer<Reader>, source: ImportSource, actor: String, chain: EventChain) {
        self.reader = reader
        self.source = source
        self.actor = actor
        self.chain = chain
    }

    /// The next records (none at the end), the summary so far, and the batch's records counted.
    func nextBatch() throws -> (records: [Record], summary: ImportSummary, counted: RecordCounts.Tally) {
        var records: [Record] = []
        var counted = RecordCounts.Tally()
        records.reserveCapacity(1_000)
        while records.count < 1_000, let (record, id) = try Store.nextRecord(from: &reader.pointee, source: source, summary: &summary, seen: &seen) {
            let data = Store.recordImportedData(dataset: source.datasetID, fields: record.fields, extensions: record.extensions)
            let event = chain.next(
                stream: RecordState.stream(id), streamVersion: 1, type: EventType.recordImported, actor: actor, canonicalData: data)
            let row = RecordRow(
                state: RecordState(id: id, dataset: source.datasetID, version: 1, fields: record.fields, extensions: record.extensions),
                seq: event.seq, recordedAt: event.recordedAt.milliseconds, fieldsInEvent: true)
            records.append(Record(event: event, row: row.prepared))
            counted.add(row)
            summary.added += 1
        }
        return (records, summary, counted)
    }
}
