import Foundation
import HiveCore
import HiveHub
import Logging
import NIOCore
import Synchronization

/// A hub serving on loopback until ``stop()``; it can be started again on the same data directory
/// (a restart), unlike the scoped ``LiveHub/with(dataDirectory:engine:configure:customize:_:)``.
public final class RunningHub: Sendable {
    /// Base URL, `http://127.0.0.1:PORT`.
    public let url: String
    public let server: HubServer
    public let dataDirectory: String
    private let task: Task<Void, any Error>

    private init(url: String, server: HubServer, dataDirectory: String, task: Task<Void, any Error>) {
        self.url = url
        self.server = server
        self.dataDirectory = dataDirectory
        self.task = task
    }

    /// Starts a hub with ``LiveHub/configuration(dataDirectory:)``.
    public static func start(dataDirectory: String, engine: (any AggregationEngine)? = nil) async throws -> RunningHub {
        try await start(configuration: LiveHub.configuration(dataDirectory: dataDirectory), engine: engine)
    }

    /// Makes the server, lets `customize` edit it, prepares it and serves until the bound port is
    /// known (at most ~5 s).
    public static func start(
        configuration: HubConfiguration, engine: (any AggregationEngine)? = nil,
        customize: (inout HubServer) throws -> Void = { _ in }
    ) async throws -> RunningHub {
        var logger = Logger(label: "hub")
        logger.logLevel = .warning
        var (server, _) = try HubServer.make(configuration: configuration, engine: engine, logger: logger)
        try customize(&server)
        try await server.prepare()
        let port = BoundPort()
        let application = try server.makeApplication(onServerRunning: { channel in
            port.value.withLock { $0 = channel.localAddress?.port }
        })
        let task = Task { try await application.runService() }
        for _ in 0..<500 {
            if let bound = port.value.withLock({ $0 }) {
                return RunningHub(
                    url: "http://127.0.0.1:\(bound)", server: server, dataDirectory: configuration.dataDirectory, task: task)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        _ = await task.result
        throw HiveError(.unavailable, "hub did not start")
    }

    /// Stops the server (graceful shutdown on cancellation) and waits until it has.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// The port the server bound, set from its `onServerRunning` callback.
private final class BoundPort: Sendable {
    let value = Mutex<Int?>(nil)
}
