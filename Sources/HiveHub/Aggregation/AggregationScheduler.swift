import Logging
import ServiceLifecycle

/// Runs an aggregation round every `aggregationIntervalMs` as a lifecycle service. On graceful
/// shutdown it stops waiting for the next tick but lets a round in progress finish (a round is
/// one transaction: it commits or rolls back, never half-applies).
public struct AggregationScheduler: Service {
    let core: OmegaCore

    public init(core: OmegaCore) {
        self.core = core
    }

    public func run() async throws {
        let interval = core.configuration.aggregationIntervalMs
        guard interval > 0, core.engine != nil else {
            core.logger.info("scheduled aggregation rounds are off", metadata: [
                "reason": "\(interval <= 0 ? "aggregationIntervalMs is 0" : "no aggregation engine in this build")"
            ])
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(interval)) }
            } catch {
                return
            }
            do {
                _ = try await core.aggregate()
            } catch {
                core.logger.error("aggregation round failed; nothing was applied", metadata: ["error": "\(error)"])
            }
        }
    }
}
