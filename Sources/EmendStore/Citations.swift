import EmendCore
import GRDB

/// A search cited as of a log position. Its `CitationCreated` event is all there is: the landing page reads it
/// from the log, and reruns the search as of `seq` for anything more.
public struct Citation: Sendable {
    public var id: String
    /// The search's parameters as the API takes them, in a canonical order, without `asOf` (that is `seq`).
    public var parameters: [(name: String, value: String)]
    public var seq: Int64
    /// The records the search matched as of `seq`.
    public var total: Int
    public var createdAt: Timestamp
    public var actor: String
}

extension Store {
    /// Cites a search as of `seq`: the same parameters as of the same seq are one citation, made the first time and
    /// found after. `parameters` must be in canonical order (the server sorts them). Returns whether it is new.
    public func cite(parameters: [(String, String)], seq: Int64, total: Int, actor: String) throws -> (citation: Citation, created: Bool) {
        let id = Identifiers.citationID(parameters: parameters, seq: seq)
        return try write { log in
            if let existing = try Self.citation(id: id, db: log.db) { return (existing, false) }
            let event = try log.append(
                NewEvent(
                    stream: "citation/\(id)", type: EventType.citationCreated, actor: actor,
                    data: [
                        "parameters": .array(parameters.map { .array([.string($0.0), .string($0.1)]) }), "seq": .int(seq),
                        "total": .int(Int64(total)),
                    ]), expectedVersion: 0)
            return (Citation(id: id, parameters: parameters, seq: seq, total: total, createdAt: event.recordedAt, actor: actor), true)
        }
    }

    public func citation(id: String) throws -> Citation {
        try read { db in
            guard let citation = try Self.citation(id: id, db: db) else { throw StoreError.notFound("citation \(id)") }
            return citation
        }
    }

    private static func citation(id: String, db: Database) throws -> Citation? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT data, recorded_at, actor FROM events WHERE stream = ? AND stream_version = 1"),
                arguments: ["citation/\(id)"])
        else { return nil }
        let data = try JSONParser.parse(row["data"] as String)
        let parameters = (data["parameters"]?.arrayValue ?? []).compactMap { pair -> (name: String, value: String)? in
            guard let parts = pair.arrayValue, parts.count == 2, let name = parts[0].stringValue, let value = parts[1].stringValue else { return nil }
            return (name, value)
        }
        return Citation(
            id: id, parameters: parameters, seq: data["seq"]?.intValue ?? 0, total: Int(data["total"]?.intValue ?? 0),
            createdAt: Timestamp(milliseconds: row["recorded_at"]), actor: row["actor"])
    }
}

/// One import of a dataset: a version of it, citable as the search of the dataset as of `seq`.
public struct DatasetImport: Sendable, Equatable {
    public var seq: Int64
    public var recordedAt: Timestamp
    /// The records it added and revised.
    public var added: Int
    public var revised: Int
}

extension Store {
    /// Every import of a dataset, oldest first.
    public func datasetImports(id: String) throws -> [DatasetImport] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, recorded_at, data FROM events WHERE stream = ? ORDER BY stream_version", arguments: ["dataset/\(id)"]
            ).map { row in
                let data = try JSONParser.parse(row["data"] as String)
                return DatasetImport(
                    seq: row["seq"], recordedAt: Timestamp(milliseconds: row["recorded_at"]), added: Int(data["added"]?.intValue ?? 0),
                    revised: Int(data["revised"]?.intValue ?? 0))
            }
        }
    }
}
