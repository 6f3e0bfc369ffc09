import EmendCore
import Foundation
import GRDB

/// An event as stored, with its hash: what `log export` writes and `replay --from` reads.
public struct StoredEvent: Sendable, Equatable {
    public var event: RecordedEvent
    public var prevHash: [UInt8]
    public var hash: [UInt8]
}

extension Store {
    public func lastSeq() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0 }
    }

    /// Calls `body` for each event after `after`, in `seq` order, up to `limit` events; reads in one snapshot.
    public func forEachEvent(after: Int64 = 0, limit: Int64? = nil, _ body: (StoredEvent) throws -> Void) throws {
        try read { db in
            var prevHash = try (Data.fetchOne(db, sql: "SELECT hash FROM events WHERE seq = ?", arguments: [after]))
                .map { [UInt8]($0) } ?? HashChain.genesis
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT seq, id, stream, stream_version, type, recorded_at, actor, data, hash FROM events
                    WHERE seq > ? ORDER BY seq LIMIT ?
                    """,
                arguments: [after, limit ?? -1])
            while let row = try cursor.next() {
                let event = try Self.event(row)
                let hash = [UInt8](row["hash"] as Data)
                try body(StoredEvent(event: event, prevHash: prevHash, hash: hash))
                prevHash = hash
            }
        }
    }

    /// An event from a row of `events`; `seq` and `id` may come under other names when joined with a read model.
    static func event(_ row: Row, seq seqColumn: String = "seq", id idColumn: String = "id") throws -> RecordedEvent {
        let seq: Int64 = row[seqColumn]
        let data: JSONValue
        do {
            data = try row.withUnsafeData(named: "data") { text in
                try (text ?? Data()).withUnsafeBytes { bytes in try JSONParser.parse(bytes.bindMemory(to: UInt8.self)) }
            }
        } catch {
            throw StoreError.corrupt(seq: seq, reason: "data is not valid JSON (\(error))")
        }
        return RecordedEvent(
            seq: seq, id: row[idColumn], stream: row["stream"], streamVersion: row["stream_version"], type: row["type"],
            recordedAt: Timestamp(milliseconds: row["recorded_at"]), actor: row["actor"], data: data)
    }
}

/// One line of the NDJSON export (DESIGN §2): the event's fields plus `prevHash` and `hash` in lowercase hex.
public enum NDJSONLog {
    public static func line(_ stored: StoredEvent) -> String {
        let event = stored.event
        let object: JSONValue = [
            "seq": .int(event.seq), "id": .string(event.id), "stream": .string(event.stream),
            "streamVersion": .int(event.streamVersion), "type": .string(event.type),
            "recordedAt": .string(event.recordedAt.rfc3339), "actor": .string(event.actor), "data": event.data,
            "prevHash": .string(stored.prevHash.hexString), "hash": .string(stored.hash.hexString),
        ]
        return CanonicalJSON.string(object)
    }

    public static func parse(_ line: String, lineNumber: Int) throws -> StoredEvent {
        func fail(_ reason: String) -> StoreError { .invalid("line \(lineNumber): \(reason)") }
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch { throw fail("\(error)") }
        guard let seq = value["seq"]?.intValue, let id = value["id"]?.stringValue,
            let stream = value["stream"]?.stringValue, let streamVersion = value["streamVersion"]?.intValue,
            let type = value["type"]?.stringValue, let time = value["recordedAt"]?.stringValue,
            let recordedAt = Timestamp(rfc3339: time), let actor = value["actor"]?.stringValue,
            let data = value["data"], case .object = data,
            let prevHash = value["prevHash"]?.stringValue.flatMap([UInt8].init(hexString:)),
            let hash = value["hash"]?.stringValue.flatMap([UInt8].init(hexString:))
        else { throw fail("an event needs seq, id, stream, streamVersion, type, recordedAt, actor, data, prevHash and hash") }
        return StoredEvent(
            event: RecordedEvent(
                seq: seq, id: id, stream: stream, streamVersion: streamVersion, type: type, recordedAt: recordedAt,
                actor: actor, data: data),
            prevHash: prevHash, hash: hash)
    }
}
