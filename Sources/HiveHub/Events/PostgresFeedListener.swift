import Logging
import ServiceLifecycle

/// Keeps ``PostgresHubStore/listenForFeed()`` running for the life of the hub (LISTEN/NOTIFY
/// fan-out of feed events between replicas), resubscribing a second after a lost connection.
/// While it is down, streams still re-read the feed every `eventPollIntervalMs`.
public struct PostgresFeedListener: Service {
    let store: PostgresHubStore
    let logger: Logger

    public init(store: PostgresHubStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await store.listenForFeed() }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                logger.warning("feed LISTEN connection lost; resubscribing", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            } catch {
                return
            }
        }
    }
}
