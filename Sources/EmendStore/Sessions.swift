import EmendCore
import Foundation
import GRDB

/// Browser sessions: opaque keys with an encoded value and an expiry, outside the log.
extension Store {
    public func session(_ key: String) throws -> (value: Data, expiresAt: Timestamp?)? {
        let now = clock()
        return try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT value, expires_at FROM sessions WHERE key = ? AND coalesce(expires_at > ?, 1)"), arguments: [key, now.milliseconds]).map { ($0["value"], ($0["expires_at"] as Int64?).map(Timestamp.init(milliseconds:))) }
        }
    }

    /// Stores a session; `expiresIn` milliseconds from now, or never when nil. Expired sessions go at the same time.
    public func setSession(_ key: String, value: Data, expiresIn: Int64?) throws {
        let now = clock()
        try writer.write { db in
            try db.cachedStatement(sql: "DELETE FROM sessions WHERE expires_at <= ?").execute(arguments: [now.milliseconds])
            try db.cachedStatement(sql: "REPLACE INTO sessions (key, value, expires_at) VALUES (?, ?, ?)")
                .execute(arguments: [key, value, expiresIn.map { now.milliseconds + $0 }])
        }
    }

    public func removeSession(_ key: String) throws {
        try writer.write { db in try db.cachedStatement(sql: "DELETE FROM sessions WHERE key = ?").execute(arguments: [key]) }
    }
}
