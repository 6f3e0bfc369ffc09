import EmendCore
import GRDB

extension Store {
    /// The columns of a download of `query`: every term a matching record can hold, in the TDWG list's order with
    /// other terms after them, so that the header can be written before the first record is read.
    ///
    /// A record's terms come from the source columns of its dataset's imports (each `DatasetImported` names them),
    /// from accepted corrections (`corrections`), or from an earlier version that a revert restored (kept in
    /// `record_history`). An import recorded before imports named their columns counts as every term of the registry
    /// and its unknown terms.
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
                if let named = summary["terms"]?.arrayValue {
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
}
