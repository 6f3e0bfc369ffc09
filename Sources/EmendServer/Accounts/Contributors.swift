import Crypto
import EmendStore
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Who contributes: accounts with passwords, and the rules for anonymous reporters.
struct Contributors: Sendable {
    let store: Store
    let baseURL: String
    let bcryptCost: UInt8
    let reportLimiter: RateLimiter
    /// Keys the opaque ids of anonymous reporters: stable for one address while the server runs, not reversible.
    private let anonymousKey = SymmetricKey(size: .bits256)
    /// Checked when a name is unknown, so that a failed login takes as long whether or not the name exists.
    private let decoyHash: String

    init(store: Store, baseURL: String, bcryptCost: UInt8, reportLimiter: RateLimiter) {
        self.store = store
        self.baseURL = baseURL
        self.bcryptCost = bcryptCost
        self.reportLimiter = reportLimiter
        decoyHash = Bcrypt.hash("decoy password", cost: bcryptCost)
    }

    static let passwordLength = 10...200

    func register(name: String, password: String) async throws -> User {
        guard Self.passwordLength.contains(password.count) else {
            throw RequestError.badParameter(
                "password", reason: "from \(Self.passwordLength.lowerBound) to \(Self.passwordLength.upperBound) characters")
        }
        let cost = bcryptCost
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
        return try store.register(name: name, bcrypt: hash)
    }

    /// The user with this name and password, or nil; the caller says only "wrong name or password".
    func logIn(name: String, password: String) async throws -> User? {
        let account = try store.passwordHash(forName: name)
        let hash = account?.1 ?? decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
        return matches ? account?.0 : nil
    }

    /// The actor of a report: the signed-in user, or `anonymous:<opaque>` within the anonymous rate limit.
    func reporter(_ context: EmendRequestContext) throws -> String {
        if let user = context.identity { return user.id }
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        if let seconds = reportLimiter.take(address) { throw RequestError.rateLimited(retryAfterSeconds: seconds) }
        let code = HMAC<SHA256>.authenticationCode(for: Array(address.utf8), using: anonymousKey)
        return "anonymous:" + Array(code.prefix(8)).hexString
    }
}
