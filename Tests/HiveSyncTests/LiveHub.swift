import Foundation
import HiveCore
import HiveHub
import HiveTwin
import Logging
import NIOCore
import Synchronization

/// A real hub (HiveHub's `HubServer`: SQLite in a temp directory, HTTP on an ephemeral loopback
/// port) running in-process for the duration of `body`.
enum LiveHub {
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "hive-sync-\(label)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Starts a hub over `dataDirectory` (a fresh one when nil), runs `body` with its base URL and
    /// server, then stops it.
    static func with<T: Sendable>(
        dataDirectory: String? = nil, engine: (any AggregationEngine)? = nil, configure: (inout HubConfiguration) -> Void = { _ in },
        _ body: @Sendable (String, HubServer) async throws -> T
    ) async throws -> T {
        var configuration = HubConfiguration()
        configuration.port = 0
        configuration.dataDirectory = try dataDirectory ?? temporaryDirectory("hub")
        configuration.rateLimitPerMinute = 1_000_000
        configuration.aggregationIntervalMs = 0
        configure(&configuration)
        var logger = Logger(label: "hub")
        logger.logLevel = .warning
        let (server, _) = try HubServer.make(configuration: configuration, engine: engine, logger: logger)
        try await server.prepare()
        let port = BoundPort()
        let application = try server.makeApplication(onServerRunning: { channel in
            port.value.withLock { $0 = channel.localAddress?.port }
        })
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
            return try await body("http://127.0.0.1:\(bound)", server)
        }
    }
}

/// The port the server bound, set from its `onServerRunning` callback.
final class BoundPort: Sendable {
    let value = Mutex<Int?>(nil)
}

/// A twin for tests: a store in a temp directory, pinned to a hub, with a sync client.
struct TestTwin: Sendable {
    let store: TwinStore
    let client: SyncClient
    let offset: HubClockOffset

    static func make(
        user: String, hubURL: String, transport: (any SyncTransport)? = nil, deviceClockSkewMs: Int64 = 0,
        directory: String? = nil, identity: NodeIdentity = .generate(), configure: (inout SyncClient.Configuration) -> Void = { _ in }
    ) async throws -> TestTwin {
        let dir = try directory ?? LiveHub.temporaryDirectory("twin")
        let offset = HubClockOffset(base: { UInt64(Int64(HybridLogicalClock.systemMilliseconds()) + deviceClockSkewMs) })
        var storeConfiguration = TwinStoreConfiguration()
        storeConfiguration.durability = .normal
        storeConfiguration.clockMs = offset.physicalClock
        let store = try TwinStore(path: dir + "/twin.sqlite", identity: identity, userID: user, configuration: storeConfiguration)
        let http = try HTTPSyncTransport(baseURL: hubURL)
        if try SyncState.load(from: store).hubKeyHex == nil {
            try SyncState.pin(hubKeyHex: try await SyncClient.fetchHubKey(transport: http), hubURL: hubURL, in: store)
        }
        var configuration = SyncClient.Configuration(userID: user)
        configuration.retry = RetryPolicy(baseMs: 5, capMs: 50, maxAttempts: 8)
        configure(&configuration)
        let client = try SyncClient(store: store, transport: transport ?? http, configuration: configuration, offset: offset)
        return TestTwin(store: store, client: client, offset: offset)
    }

    /// Queues a signed skill trace authored by this twin (what a twin shares without an aggregation round).
    func shareSkill(_ id: String, intent: String) throws {
        let trace = try SkillTrace(
            traceID: id, intent: intent, reasoningPath: [.init(step: 1, action: "search the catalogue")], result: "found",
            confidence: 0.9, verificationScore: 0.8, createdAt: "2026-11-21T12:00:00Z", instanceID: store.twinID)
        let envelope = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: store.clock.now(), identity: store.identity)
        try OfflineEnvelopeStore(store: store).enqueue(envelope)
    }
}

/// A hub that can be stopped and started again on the same data directory (a restart), unlike
/// the scoped ``LiveHub/with(dataDirectory:engine:configure:_:)``.
final class RunningHub: Sendable {
    let url: String
    let server: HubServer
    let dataDirectory: String
    private let task: Task<Void, any Error>

    private init(url: String, server: HubServer, dataDirectory: String, task: Task<Void, any Error>) {
        self.url = url
        self.server = server
        self.dataDirectory = dataDirectory
        self.task = task
    }

    static func start(dataDirectory: String, engine: (any AggregationEngine)? = nil) async throws -> RunningHub {
        var configuration = HubConfiguration()
        configuration.port = 0
        configuration.dataDirectory = dataDirectory
        configuration.rateLimitPerMinute = 1_000_000
        configuration.aggregationIntervalMs = 0
        var logger = Logger(label: "hub")
        logger.logLevel = .warning
        let (server, _) = try HubServer.make(configuration: configuration, engine: engine, logger: logger)
        try await server.prepare()
        let port = BoundPort()
        let application = try server.makeApplication(onServerRunning: { channel in
            port.value.withLock { $0 = channel.localAddress?.port }
        })
        let task = Task { try await application.runService() }
        for _ in 0..<500 {
            if let bound = port.value.withLock({ $0 }) {
                return RunningHub(url: "http://127.0.0.1:\(bound)", server: server, dataDirectory: dataDirectory, task: task)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        throw HiveError(.unavailable, "hub did not start")
    }

    /// Stops the server (graceful shutdown on cancellation) and waits until it has.
    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
