import EmendCore
import Foundation
import GRDB

/// A row of the `records` read model: the current version of a record, with the columns search indexes use.
struct RecordRow {
    var rowid: Int64 = 0
    let state: RecordState
    /// The terms of `state.fields` the columns, the flags and the counts derive from, each read once.
    let terms: RecordTerms
    var seq: Int64
    /// The quality flags of this version: the codes `QualityChecks` gives its fields, judged as of the time of the
    /// event that made it (so that a replay gives the same), each once, in the checks' order.
    var flags: [QualityCode]
    /// The version is the one a RecordImported event made, whose `fields` are `state.fields`: the row leaves its
    /// `fields` column NULL and the log holds them once (see `fieldsSQL`).
    var fieldsInEvent: Bool
    /// The point and the year collected, as their columns hold them: read once, for the columns and the counts.
    let coordinates: (latitude: Double, longitude: Double)?
    let year: Int?

    /// The row of the version `state`, which the event `seq`, recorded at `recordedAt`, made.
    init(state: RecordState, seq: Int64, recordedAt: Int64, fieldsInEvent: Bool) {
        self.init(state: state, terms: RecordTerms(state.fields), seq: seq, recordedAt: recordedAt, fieldsInEvent: fieldsInEvent)
    }

    /// The row of a version whose `terms` are read already: those of `state.fields`, or of the event's fields when the
    /// row is only checked and `state` leaves them out.
    init(state: RecordState, terms: RecordTerms, seq: Int64, recordedAt: Int64, fieldsInEvent: Bool) {
        self.init(state: state, terms: terms, seq: seq, flags: QualityChecks.codes(terms, now: recordedAt), fieldsInEvent: fieldsInEvent)
    }

    private init(state: RecordState, terms: RecordTerms, seq: Int64, flags: [QualityCode], fieldsInEvent: Bool) {
        self.state = state
        self.terms = terms
        coordinates = Self.coordinates(terms)
        year = Self.year(terms)
        self.seq = seq
        self.flags = flags
        self.fieldsInEvent = fieldsInEvent
    }

    /// Whether the version `event` makes has the event's own fields: a RecordImported event's, when they are all
    /// strings (otherwise the fold keeps none of them, and the row holds what it keeps).
    static func fieldsInEvent(_ event: RecordedEvent) -> Bool {
        event.type == EventType.recordImported && event.data["fields"]?.stringMap != nil
    }

    /// The fields of a row of `records` or `record_history` named `table`, as SQL: its `fields` column, or where
    /// that is NULL, the `fields` of the RecordImported event that made the version. Each imported record's
    /// fields are then stored once, in the log, not twice: a third of the database.
    static func fieldsSQL(_ table: String) -> String {
        "coalesce(\(table).fields, (SELECT json_extract(events.data, '$.fields') FROM events WHERE events.seq = \(table).seq))"
    }

    /// The row of a RecordImported event, read from the event's stored (canonical) data without building a
    /// `JSONValue`: the same row as folding the parsed event. Nil for data this reading does not cover
    /// (extension rows, values that are not strings), which the caller folds the usual way.
    static func imported(
        id: String, seq: Int64, streamVersion: Int64, recordedAt: Int64, data: UnsafeBufferPointer<UInt8>
    ) throws(JSONParser.Failure) -> RecordRow? {
        var dataset: String?
        var fields: [String: String]?
        var plain = true
        try JSONParser.forEachMember(data) { key, parser throws(JSONParser.Failure) in
            switch key {
            case "dataset":
                if case .string(let text) = try parser.readValue() { dataset = text } else { plain = false }
            case "fields":
                if let map = try parser.readStringMap() { fields = map } else { plain = false }
            case "extensions":
                plain = false
                try parser.skip()
            default:
                try parser.skip()
            }
        }
        guard plain else { return nil }
        guard let dataset, let fields else { return nil }
        return RecordRow(
            state: RecordState(id: id, dataset: dataset, version: streamVersion, fields: fields, extensions: [:]),
            seq: seq, recordedAt: recordedAt, fieldsInEvent: true)
    }

    static func fetch(id: String, db: Database) throws -> RecordRow? {
        let statement = try db.cachedStatement(
            sql: """
                SELECT rowid, dataset_id, version, seq, \(fieldsSQL("records")) AS fields, records.fields IS NULL AS fields_in_event,
                  extensions, flags
                FROM records WHERE id = ?
                """)
        guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
        let fields = try parseObject(row["fields"]).stringMap ?? [:]
        var record = RecordRow(
            state: RecordState(
                id: id, dataset: row["dataset_id"], version: row["version"], fields: fields,
                extensions: RecordState.extensions(from: try (row["extensions"] as String?).map(parseObject))),
            terms: RecordTerms(fields), seq: row["seq"], flags: try flags(row["flags"]), fieldsInEvent: row["fields_in_event"])
        record.rowid = row["rowid"]
        return record
    }

    private static func parseObject(_ text: String) throws -> JSONValue {
        do { return try JSONParser.parse(text) } catch { throw StoreError.corrupt(seq: nil, reason: "records: \(error)") }
    }

    /// The `flags` column: a JSON array of codes, or NULL for none.
    static func flags(_ text: String?) throws -> [QualityCode] {
        guard let text else { return [] }
        guard let codes = try parseObject(text).arrayValue?.map({ $0.stringValue.flatMap(QualityCode.init) }), !codes.contains(nil) else {
            throw StoreError.corrupt(seq: nil, reason: "records: flags \(text) is not a list of quality codes")
        }
        return codes.compactMap { $0 }
    }

    /// The flags as the `flags` column holds them.
    var flagsJSON: String? {
        guard !flags.isEmpty else { return nil }
        // One String, written in place at its length: a third of a million-record import's rows have flags, and
        // verify makes each again.
        let count = flags.reduce(1) { $0 + $1.rawValue.utf8.count + 3 }
        return String(unsafeUninitializedCapacity: count) { out in
            var at = 0
            func write(_ byte: UInt8) {
                out[at] = byte
                at += 1
            }
            for code in flags {
                write(at == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
                write(UInt8(ascii: "\""))
                for byte in code.rawValue.utf8 { write(byte) }
                write(UInt8(ascii: "\""))
            }
            write(UInt8(ascii: "]"))
            return at
        }
    }

    /// The text the full-text index holds, by column: taxon, place, people.
    var searchText: [String] {
        func join(_ terms: [String]) -> String {
            var text = ""
            for term in terms {
                guard let value = state.fields[term], !value.isEmpty else { continue }
                if !text.isEmpty { text += " " }
                text += value
            }
            return text
        }
        return [
            join(Self.taxonTerms), join(Self.placeTerms), join(Self.peopleTerms),
        ]
    }

    private static let taxonTerms = ["scientificName", "vernacularName", "genus", "family", "order", "class", "phylum", "kingdom"]
    private static let placeTerms = [
        "country", "stateProvince", "county", "municipality", "locality", "verbatimLocality", "island", "waterBody",
    ]
    private static let peopleTerms = ["recordedBy", "identifiedBy"]

    /// Decimal degrees when both are present and in range; the quality checks deal with the rest.
    private static func coordinates(_ terms: RecordTerms) -> (latitude: Double, longitude: Double)? {
        // A plain decimal, as nearly every coordinate is, is read without strtod.
        func number(_ text: String) -> Double? { QualityChecks.decimal(text) ?? Double(text) }
        guard let latitude = terms[.decimalLatitude].flatMap(number), let longitude = terms[.decimalLongitude].flatMap(number),
            (-90...90).contains(latitude), (-180...180).contains(longitude)
        else { return nil }
        return (latitude, longitude)
    }

    /// The year collected: `year`, or the year `eventDate` starts with.
    private static func year(_ terms: RecordTerms) -> Int? {
        if let year = terms[.year].flatMap({ Int(Self.trimmingSpaces($0)) }) { return year }
        guard let date = terms[.eventDate], date.utf8.count >= 4 else { return nil }
        return Int(date.prefix(4))
    }

    /// `text.trimmingCharacters(in: .whitespaces)` (tabs and Unicode space separators), without Foundation's
    /// cost in the usual case of nothing to trim.
    private static func trimmingSpaces(_ text: String) -> String {
        // Its first and last bytes, read in place: an ASCII letter or digit at each end is the usual case.
        var text = text
        if text.withUTF8({ !$0.isEmpty && (0x21..<0x80).contains($0[0]) && (0x21..<0x80).contains($0[$0.count - 1]) }) {
            return text
        }
        func isSpace(_ scalar: Unicode.Scalar?) -> Bool {
            guard let scalar else { return false }
            return scalar.isASCII ? scalar == " " || scalar == "\t" : scalar.properties.generalCategory == .spaceSeparator
        }
        guard isSpace(text.unicodeScalars.first) || isSpace(text.unicodeScalars.last) else { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The stored columns, in the order of `columns`.
    var values: [DatabaseValue] {
        func value(_ term: RecordTerms.Term) -> DatabaseValue {
            guard let text = terms[term], !text.isEmpty else { return .null }
            return text.databaseValue
        }
        return [
            state.id.databaseValue, state.dataset.databaseValue, state.version.databaseValue, seq.databaseValue,
            fieldsInEvent ? .null : CanonicalJSON.string(state.fields).databaseValue,
            state.extensions.isEmpty ? .null : CanonicalJSON.string(RecordState.json(state.extensions)).databaseValue,
            value(.institutionCode), value(.collectionCode), value(.catalogNumber), value(.scientificName),
            // Optionals unwrapped here: GRDB's `Optional.databaseValue` is generic, and verify asks a million rows.
            value(.family), value(.country), value(.countryCode), year.map { $0.databaseValue } ?? .null,
            coordinates?.latitude.databaseValue ?? .null, coordinates?.longitude.databaseValue ?? .null,
            flagsJSON.map { $0.databaseValue } ?? .null,
        ]
    }

    /// The stored columns, by name, as this row would write them.
    var databaseValues: [(String, DatabaseValue)] {
        Array(zip(Self.columnNames, values))
    }

    static let columnNames = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }

    static let columns = """
        id, dataset_id, version, seq, fields, extensions, institution_code, collection_code, catalog_number,
        scientific_name, family, country, country_code, year, decimal_latitude, decimal_longitude, flags
        """

    /// As many placeholders as `columns`, and `extra` more.
    static func placeholders(extra: Int = 0) -> String {
        Array(repeating: "?", count: columnNames.count + extra).joined(separator: ", ")
    }

    /// What `insert` writes, computed ahead: bulk paths prepare rows on one thread and write them on another.
    var prepared: Prepared { Prepared(values: values, searchText: searchText.map(\.databaseValue), flags: flags) }

    struct Prepared: Sendable {
        var values: [DatabaseValue]
        var searchText: [DatabaseValue]
        var flags: [QualityCode]
    }

    func insert(db: Database) throws {
        try Writer(db).insert(prepared)
    }

    /// Inserts rows, their full-text entries and their flags, with statements prepared once.
    struct Writer {
        private let db: Database
        private let row: Statement
        private let fullText: Statement
        private let flag: Statement

        init(_ db: Database) throws {
            self.db = db
            row = try db.cachedStatement(sql: "INSERT INTO records (\(RecordRow.columns)) VALUES (\(RecordRow.placeholders()))")
            fullText = try db.cachedStatement(sql: RecordRow.insertFullText)
            flag = try db.cachedStatement(sql: RecordRow.insertFlag)
        }

        func insert(_ prepared: Prepared) throws {
            try row.executeBulk(prepared.values, db: db)
            let rowid = db.lastInsertedRowID.databaseValue
            fullText.bind(rowid, at: 1)
            for (index, text) in prepared.searchText.enumerated() { fullText.bind(text, at: Int32(index + 2)) }
            try fullText.executeBound(db: db)
            for code in prepared.flags { try flag.executeBulk([code.rawValue.databaseValue, rowid], db: db) }
        }
    }

    /// An UPDATE, not a REPLACE: SQLite runs no DELETE trigger for the row a REPLACE removes, so the triggers that
    /// keep `record_counts` and `record_cells` see a revision only as an update (OLD and NEW).
    func update(rowid: Int64, db: Database) throws {
        try db.cachedStatement(sql: "UPDATE records SET (\(Self.columns)) = (\(Self.placeholders())) WHERE rowid = ?")
            .executeBulk(values + [rowid.databaseValue], db: db)
        try db.cachedStatement(sql: Self.insertFullText).executeBulk([rowid.databaseValue] + searchText.map(\.databaseValue), db: db)
        for code in flags { try db.cachedStatement(sql: Self.insertFlag).executeBulk([code.rawValue.databaseValue, rowid.databaseValue], db: db) }
    }

    private static let insertFullText = "INSERT INTO records_fts (rowid, taxon, place, people) VALUES (?, ?, ?, ?)"
    private static let insertFlag = "INSERT INTO record_flags (code, record_rowid) VALUES (?, ?)"

    /// A contentless FTS5 table forgets a row only when told the text it was given; `record_flags` is keyed by code.
    func removeFromIndexes(db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO records_fts (records_fts, rowid, taxon, place, people) VALUES ('delete', ?, ?, ?, ?)"
        ).executeBulk([rowid.databaseValue] + searchText.map(\.databaseValue), db: db)
        for code in flags {
            try db.cachedStatement(sql: "DELETE FROM record_flags WHERE code = ? AND record_rowid = ?")
                .executeBulk([code.rawValue.databaseValue, rowid.databaseValue], db: db)
        }
    }
}

extension RecordRow {
    /// Flags every version in `records` and `record_history`, for a database from before they were kept.
    static func fillFlags(_ db: Database) throws {
        for table in ["records", "record_history"] {
            // In batches by rowid, each read whole before it is written: a table is not written while read.
            let batch = try db.makeStatement(
                sql: """
                    SELECT \(table).rowid AS rowid, \(fieldsSQL(table)) AS fields, recorded_at FROM \(table) JOIN events ON events.seq = \(table).seq
                    WHERE \(table).rowid > ? ORDER BY \(table).rowid LIMIT 10000
                    """)
            let update = try db.makeStatement(sql: "UPDATE \(table) SET flags = ? WHERE rowid = ?")
            let index = try db.makeStatement(sql: insertFlag)
            var after: Int64 = .min
            while case let rows = try Row.fetchAll(batch, arguments: [after]), let last = rows.last {
                after = last["rowid"]
                for row in rows {
                    let fields = try parseObject(row["fields"]).stringMap ?? [:]
                    let version = RecordRow(
                        state: RecordState(id: "", dataset: "", version: 0, fields: fields, extensions: [:]), seq: 0,
                        recordedAt: row["recorded_at"], fieldsInEvent: false)
                    guard let flags = version.flagsJSON else { continue }
                    try update.execute(arguments: [flags, row["rowid"]])
                    if table == "records" {
                        for code in version.flags { try index.execute(arguments: [code.rawValue, row["rowid"]]) }
                    }
                }
            }
        }
    }
}
