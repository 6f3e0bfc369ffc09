import EmendStore
import Logging
import NIOPosix
import ServiceLifecycle

/// Runs the quality bot beside the server: every few seconds, when records changed (an import, an accepted
/// proposal, a revert) since it last looked, it checks them and files machine suggestions from `system:quality`,
/// a bounded slice at a time on a thread of its own, never on the threads that answer requests.
struct QualityBotService: Service {
    let store: Store
    let logger: Logger
    var interval: Duration = .seconds(2)
    /// Records checked per slice: between slices the service can stop, and other writers go first.
    var slice = 20_000

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                // Where the last run stopped: runs that filed nothing do not write their watermark to the log, so the
                // service keeps it; after a restart it starts again from the log's, and only repeats checks.
                var cursor: Int64? = nil
                while true {
                    cursor = try await catchUp(from: cursor)
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {}
    }

    private func catchUp(from cursor: Int64?) async throws -> Int64? {
        var cursor = cursor
        while !Task.isCancelled {
            let from = cursor
            if let from, try store.lastRecordSeq() <= from { break }
            let (store, slice) = (self.store, self.slice)
            let run = try await NIOThreadPool.singleton.runIfActive {
                try store.suggestQualityFixes(after: from, maxRecords: slice, persistAtEnd: false)
            }
            cursor = run.through
            if run.suggestedTotal > 0 {
                let rules = run.suggested.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                logger.info("quality bot: \(run.suggestedTotal) machine suggestions filed (\(rules)), records checked through seq \(run.through)")
            }
            if run.checked < slice { break }
        }
        return cursor
    }
}
