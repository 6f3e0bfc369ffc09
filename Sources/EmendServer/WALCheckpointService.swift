import EmendStore
import Logging
import ServiceLifecycle

/// Checkpoints the database's write-ahead log every second, beside the server rather than inside its commits, so
/// that no request waits while SQLite copies pages and syncs the file.
struct WALCheckpointService: Service {
    let store: Store
    let logger: Logger

    func run() async throws {
        try store.leaveWALCheckpointsToCaller()
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: .seconds(1))
                    try await checkpoint()
                }
            }
        } catch is CancellationError {}
        try await checkpoint()
    }

    private func checkpoint() async throws {
        let (frames, checkpointed) = try await store.checkpointWAL()
        // Readers still on older pages hold some frames back; the next round takes them.
        if checkpointed < frames { logger.debug("write-ahead log: \(checkpointed) of \(frames) frames checkpointed") }
    }
}
