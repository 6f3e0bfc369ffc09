import EmendStore
import Foundation
import Hummingbird

/// Keeps HummingbirdAuth's sessions in the database, so that a restart signs nobody out.
struct StoreSessionDriver: PersistDriver {
    let store: Store

    func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        try await set(key: key, value: value, expires: expires)
    }

    func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let milliseconds = expires.map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 }
        try store.setSession(key, value: try JSONEncoder().encode(value), expiresIn: milliseconds)
    }

    func get<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> Object? {
        guard let (value, _) = try store.session(key) else { return nil }
        do { return try JSONDecoder().decode(Object.self, from: value) } catch { throw PersistError.invalidConversion }
    }

    func remove(key: String) async throws {
        try store.removeSession(key)
    }
}
