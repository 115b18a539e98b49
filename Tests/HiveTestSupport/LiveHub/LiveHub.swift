import Foundation
import HiveCore
import HiveHub

/// A real hub (HiveHub's `HubServer`: SQLite in a temp directory, HTTP on an ephemeral loopback
/// port) running in-process for the duration of a test's `body`.
public enum LiveHub {
    /// Creates a fresh, empty directory under the system temp directory.
    public static func temporaryDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "hive-test-\(label)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The configuration every test hub starts from: an ephemeral port, no rate limiting to speak
    /// of, and aggregation on demand (interval 0) so tests decide when rounds close.
    public static func configuration(dataDirectory: String) -> HubConfiguration {
        var configuration = HubConfiguration()
        configuration.port = 0
        configuration.dataDirectory = dataDirectory
        configuration.rateLimitPerMinute = 1_000_000
        configuration.aggregationIntervalMs = 0
        return configuration
    }

    /// Starts a hub over `dataDirectory` (a fresh one when nil), runs `body` with its base URL and
    /// server, then stops it (also when `body` throws).
    /// - Parameters:
    ///   - configure: edits the configuration before the server is made.
    ///   - customize: edits the server after it is made and before it is prepared (e.g. to mount extra routes).
    public static func with<T: Sendable>(
        dataDirectory: String? = nil, engine: (any AggregationEngine)? = nil,
        configure: (inout HubConfiguration) -> Void = { _ in },
        customize: (inout HubServer) throws -> Void = { _ in },
        _ body: @Sendable (String, HubServer) async throws -> T
    ) async throws -> T {
        var configuration = configuration(dataDirectory: try dataDirectory ?? temporaryDirectory("hub"))
        configure(&configuration)
        let hub = try await RunningHub.start(configuration: configuration, engine: engine, customize: customize)
        do {
            let result = try await body(hub.url, hub.server)
            await hub.stop()
            return result
        } catch {
            await hub.stop()
            throw error
        }
    }
}
