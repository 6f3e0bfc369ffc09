import EmendCore
import GRDB

extension Store {
    /// The columns of a download of `query`: every term a matching record can hold, in the TDWG list's order with
    /// other terms after them, so that the header can be written before the first record is read.
    ///
    /// A record's terms come from the source columns of its dataset's imports (each `DatasetImported` names them),
    /// from accepted corrections (`corrections`), or from an earlier version that a revert restored (kept in
    /// `record_history`). An import that names no columns (as none did before they were recorded) counts as every term
    /// of the registry and its unknown terms.
    public func exportTerms(_ query: RecordQuery) throws -> [String] {
        try read { db in
            var terms = Set<String>()
            let datasets = query.filters[.dataset]
            // By stream, which the log's (stream, stream_version) index finds; the log has no index by type.
            var sql = "SELECT data FROM events WHERE type = ? AND stream > 'dataset/' AND stream < 'dataset0'"
            var arguments: StatementArguments = [EventType.datasetImported]
            if let datasets {
                sql += " AND stream IN (\(Array(repeating: "?", count: datasets.count).joined(separator: ", ")))"
                arguments += StatementArguments(datasets.map { "dataset/\($0)" })
            }
            for data in try String.fetchAll(db, sql: sql, arguments: arguments) {
                let summary = try JSONParser.parse(data)
                if let named = summary["terms"]?.arrayValue, !named.isEmpty {
                    terms.formUnion(named.compactMap(\.stringValue))
                } else {
                    terms.formUnion(TermRegistry.shared.terms.map(\.name))
                    terms.formUnion(summary["unknownTerms"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                }
            }
            terms.formUnion(try String.fetchAll(db, sql: "SELECT DISTINCT term FROM corrections"))
            terms.formUnion(try String.fetchAll(db, sql: "SELECT DISTINCT key FROM record_history, json_each(record_history.fields)"))
            return TermRegistry.shared.sorted(terms)
        }
    }

    /// The extension files of a Darwin Core Archive download of `query`: each row type that any version of a record
    /// of its datasets has rows of, by the name import keeps (`Multimedia`), with every term those rows hold, in the
    /// TDWG list's order; so that `meta.xml` can be written before the first record is read, as the columns are.
    /// Versions of every time are read, so a download as of any seq finds its rows' columns here.
    public func exportExtensionTerms(_ query: RecordQuery) throws -> [(rowType: String, terms: [String])] {
        try read { db in
            var condition = "extensions IS NOT NULL"
            var arguments = StatementArguments()
            if let datasets = query.filters[.dataset] {
                condition += " AND dataset_id IN (\(Array(repeating: "?", count: datasets.count).joined(separator: ", ")))"
                arguments += StatementArguments(datasets)
            }
            let pairs = try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT kind.key AS row_type, term.key AS term
                    FROM (SELECT extensions FROM records WHERE \(condition)
                          UNION ALL SELECT extensions FROM record_history WHERE \(condition)) AS stored,
                      json_each(stored.extensions) AS kind, json_each(kind.value) AS row, json_each(row.value) AS term
                    """,
                arguments: arguments + arguments)
            let byRowType = Dictionary(grouping: pairs, by: { $0["row_type"] as String }).mapValues { $0.map { $0["term"] as String } }
            return byRowType.keys.sorted().map { ($0, TermRegistry.shared.sorted(byRowType[$0]!)) }
        }
    }
}
