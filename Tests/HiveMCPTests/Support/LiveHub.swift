import Foundation
import HiveCore
import HiveHub
import HiveMCP
import Logging
import NIOCore
import Synchronization

/// A real hub (HiveHub's `HubServer`: SQLite in a temp directory, HTTP on an ephemeral loopback
/// port, `/mcp` mounted as `hive serve` mounts it) running in-process for the duration of `body`.
enum LiveHub {
    static let adminToken = "mcp-test-admin-token-0123456789abcdef0123"

    static func with<T: Sendable>(
        engine: (any AggregationEngine)? = nil, _ body: @Sendable (String, HubServer) async throws -> T
    ) async throws -> T {
        var configuration = HubConfiguration()
        configuration.port = 0
        configuration.dataDirectory = try TestFiles.temporaryDirectory("hub")
        configuration.rateLimitPerMinute = 1_000_000
        configuration.aggregationIntervalMs = 0
        configuration.adminToken = adminToken
        var logger = Logger(label: "hub")
        logger.logLevel = .warning
        var (server, _) = try HubServer.make(configuration: configuration, engine: engine, logger: logger)
        server.api.routeExtensions.append(HubMCPEndpoint(core: server.core).mount)
        try await server.prepare()
        let port = BoundPort()
        let application = try server.makeApplication(onServerRunning: { channel in
            port.value.withLock { $0 = channel.localAddress?.port }
        })
        let running = server
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService() }
            defer { group.cancelAll() }
            var bound: Int?
            for _ in 0..<500 {
                bound = port.value.withLock { $0 }
                if bound != nil { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            guard let bound else { throw HiveError(.unavailable, "hub did not start") }
            return try await body("http://127.0.0.1:\(bound)", running)
        }
    }
}

/// The port the server bound, set from its `onServerRunning` callback.
final class BoundPort: Sendable {
    let value = Mutex<Int?>(nil)
}
