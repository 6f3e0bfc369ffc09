import Foundation
import Synchronization

/// At most `limit` actions per client in any `window` seconds, counted in memory (a restart forgives).
final class RateLimiter: Sendable {
    let limit: Int
    let window: Double
    private let recent = Mutex<[String: [Double]]>([:])

    init(limit: Int, window: Double) {
        self.limit = limit
        self.window = window
    }

    /// Counts an action by `client` at `now`; nil if allowed, otherwise the seconds until it would be.
    func take(_ client: String, now: Double = Date().timeIntervalSince1970) -> Int? {
        recent.withLock { recent in
            if recent.count > 10_000 { recent = recent.filter { $0.value.last.map { now - $0 < window } ?? false } }
            var times = recent[client, default: []].filter { now - $0 < window }
            if times.count >= limit {
                recent[client] = times
                return max(1, Int((times[0] + window - now).rounded(.up)))
            }
            times.append(now)
            recent[client] = times
            return nil
        }
    }
}
