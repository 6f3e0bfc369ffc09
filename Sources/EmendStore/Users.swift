import Crypto
import EmendCore
import Foundation
import GRDB

public enum Role: String, Sendable, CaseIterable {
    case contributor, curator, admin, auditor
}

public struct User: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: Role
    /// `INSTITUTION` or `INSTITUTION:COLLECTION`; what a curator may decide on.
    public var scopes: [String]
}

extension Store {
    /// Adds a user (an event in the log) and an API token for them (kept outside the log, hashed).
    /// Returns the user and the token, which is shown once and never stored in clear.
    public func addUser(name: String, role: Role, scopes: [String], actor: String = "system") throws -> (User, String) {
        for scope in scopes where scope.isEmpty || scope.split(separator: ":", omittingEmptySubsequences: false).count > 2 {
            throw StoreError.invalid("a scope is INSTITUTION or INSTITUTION:COLLECTION; got \"\(scope)\"")
        }
        var token = ""
        let user = try write { log in
            let user = try Self.appendUser(name: name, role: role, scopes: scopes, actor: actor, log: &log)
            token = try Self.insertToken(for: user.id, db: log.db, now: log.now)
            return user
        }
        return (user, token)
    }

    /// A new API token for an existing user, shown once; only its SHA-256 is kept.
    public func newToken(for userID: String) throws -> String {
        let now = clock()
        return try writer.write { db in try Self.insertToken(for: userID, db: db, now: now) }
    }

    private static func insertToken(for userID: String, db: Database, now: Timestamp) throws -> String {
        let token = newToken()
        try db.cachedStatement(sql: "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)")
            .execute(arguments: [Data(SHA256.hash(data: Array(token.utf8))), userID, now.milliseconds])
        return token
    }

    /// Self-registration: a contributor who signs in with a password. The bcrypt hash stays outside the log.
    public func register(name: String, bcrypt: String) throws -> User {
        try write { log in
            let user = try Self.appendUser(name: name, role: .contributor, scopes: [], actor: nil, log: &log)
            try log.db.cachedStatement(sql: "INSERT INTO passwords (user_id, bcrypt) VALUES (?, ?)")
                .execute(arguments: [user.id, bcrypt])
            return user
        }
    }

    /// Lets a user (made with `addUser`) sign in to the site with a password; the bcrypt hash stays outside the log.
    public func setPassword(userID: String, bcrypt: String) throws {
        try writer.write { db in
            try db.cachedStatement(sql: "REPLACE INTO passwords (user_id, bcrypt) VALUES (?, ?)")
                .execute(arguments: [userID, bcrypt])
        }
    }

    /// The user with this name and their bcrypt hash, if they have a password.
    public func passwordHash(forName name: String) throws -> (User, String)? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT users.*, passwords.bcrypt FROM users JOIN passwords ON passwords.user_id = users.id WHERE name = ?"), arguments: [name.trimmingCharacters(in: .whitespaces)]).map { (Self.user($0), $0["bcrypt"]) }
        }
    }

    public func user(id: String) throws -> User? {
        try read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM users WHERE id = ?"), arguments: [id]).map(Self.user) }
    }

    /// Appends a UserAdded event; `actor` nil means the user acts for themselves (self-registration).
    private static func appendUser(name: String, role: Role, scopes: [String], actor: String?, log: inout LogTransaction) throws -> User {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard trimmed.range(of: #"^[A-Za-z0-9_.-]{2,40}$"#, options: .regularExpression) != nil else {
            throw InvalidInput(field: "name", reason: "a user name is 2 to 40 letters, digits, '.', '_' or '-'")
        }
        guard try Bool.fetchOne(log.db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?)"), arguments: [trimmed]) == false else {
            throw InvalidInput(field: "name", reason: "the name \"\(trimmed)\" is taken")
        }
        let user = User(id: newID(), name: trimmed, role: role, scopes: scopes)
        try log.append(
            NewEvent(
                stream: "user/\(user.id)", type: EventType.userAdded, actor: actor ?? user.id,
                data: ["name": .string(user.name), "role": .string(role.rawValue), "scopes": .array(scopes.map(JSONValue.string))]),
            expectedVersion: 0)
        return user
    }

    /// The user an API token belongs to, if any.
    public func user(forToken token: String) throws -> User? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT users.* FROM api_tokens JOIN users ON users.id = api_tokens.user_id WHERE token_hash = ?"), arguments: [Data(SHA256.hash(data: Array(token.utf8)))]).map(Self.user)
        }
    }

    static func user(_ row: Row) -> User {
        let scopes = (try? JSONParser.parse(row["scopes"] as String))?.arrayValue?.compactMap(\.stringValue) ?? []
        return User(id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .contributor, scopes: scopes)
    }

    private static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "emend_" + bytes.hexString
    }
}
