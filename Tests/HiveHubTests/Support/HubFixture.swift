import Foundation
import HiveCore
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import HiveHub

/// A controllable wall clock (ms).
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64 = Int64(HybridLogicalClock.systemMilliseconds())) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(ms: Int64) { value.withLock { $0 += ms } }
}

/// Which backend a shared-suite test runs on.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["HIVE_TEST_POSTGRES_URL"]
        return (url?.isEmpty ?? true) ? nil : url
    }

    /// Backends to run; PostgreSQL only when HIVE_TEST_POSTGRES_URL is set (said loudly otherwise).
    static var available: [Backend] {
        if postgresURL == nil {
            print("⚠️  HIVE_TEST_POSTGRES_URL is not set: PostgreSQL HubStore tests are SKIPPED (source scripts/ci/postgres.sh)")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }
}

enum Fixture {
    static let adminSecret = "test-admin-token-0123456789abcdef0123456789"
    /// The hub key of test stores (signs ledger tree heads) and, by default, of test cores.
    static let hubKey = NodeIdentity.generate()

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "hive-hub-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs `body` with a fresh, migrated store of `backend`.
    static func withStore<T>(_ backend: Backend, _ body: (any HubStore) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite:
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let store = try SQLiteHubStore(path: directory + "/hub.sqlite", ledgerSigner: hubKey)
            try await store.migrate()
            return try await body(store)
        case .postgres:
            guard let url = Backend.postgresURL else { throw HiveError(.unavailable, "no PostgreSQL URL") }
            let schema = "hub_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
            let store = try PostgresHubStore(url: url, schema: String(schema), ledgerSigner: hubKey, logger: Logger(label: "test"))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.client.run() }
                defer { group.cancelAll() }
                try await store.migrate()
                // As `hive serve` does: LISTEN for feed events so SSE streams wake at commit.
                return try await withFeedListeners([store]) {
                    do {
                        let result = try await body(store)
                        try await store.dropSchema()
                        return result
                    } catch {
                        try? await store.dropSchema()
                        throw error
                    }
                }
            }
        }
    }

    /// Two PostgreSQL stores (two replicas' pools) on one fresh schema.
    static func withPostgresReplicas<T>(_ body: (PostgresHubStore, PostgresHubStore) async throws -> T) async throws -> T {
        guard let url = Backend.postgresURL else { throw HiveError(.unavailable, "no PostgreSQL URL") }
        let schema = "hub_replicas_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let first = try PostgresHubStore(url: url, schema: String(schema), ledgerSigner: hubKey, logger: Logger(label: "replica-a"))
        let second = try PostgresHubStore(url: url, schema: String(schema), ledgerSigner: hubKey, logger: Logger(label: "replica-b"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await first.client.run() }
            group.addTask { await second.client.run() }
            defer { group.cancelAll() }
            try await first.migrate()
            try await second.migrate()
            return try await withFeedListeners([first, second]) {
                do {
                    let result = try await body(first, second)
                    try await first.dropSchema()
                    return result
                } catch {
                    try? await first.dropSchema()
                    throw error
                }
            }
        }
    }

    /// Runs each store's feed listener (as `hive serve` does) while `body` runs, and stops them
    /// before returning — while the pools still run, as a graceful shutdown orders it.
    static func withFeedListeners<T>(_ stores: [PostgresHubStore], _ body: () async throws -> T) async throws -> T {
        let listeners = stores.map { store in
            Task { try await PostgresFeedListener(store: store, logger: Logger(label: "feed-listener")).run() }
        }
        func stop() async {
            for listener in listeners { listener.cancel() }
            for listener in listeners { _ = try? await listener.value }
        }
        do {
            let result = try await body()
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    static func core(
        store: any HubStore, clock: TestClock, configure: (inout HubConfiguration) -> Void = { _ in },
        engine: (any AggregationEngine)? = nil, hubKey: NodeIdentity = Fixture.hubKey
    ) -> OmegaCore {
        var configuration = HubConfiguration()
        configuration.rateLimitPerMinute = 1000
        configure(&configuration)
        let identity = HubIdentity(identity: hubKey, adminToken: AdminToken(adminSecret))
        return OmegaCore(
            configuration: configuration, identity: identity, store: store, engine: engine, logger: Logger(label: "test"),
            now: { clock.now })
    }

    static func application(core: OmegaCore) -> some ApplicationProtocol {
        Application(router: HubAPI(core: core).makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func stamp(_ identity: NodeIdentity, _ clock: TestClock, offsetMs: Int64 = 0) -> HLCTimestamp {
        HLCTimestamp(physicalMs: UInt64(clock.now + offsetMs), logical: 0, nodeID: identity.nodeID)
    }

    static func trace(id: String, intent: String, instance: String) throws -> SkillTrace {
        try SkillTrace(
            traceID: id, intent: intent, reasoningPath: [.init(step: 1, action: "look up the schedule")],
            result: "done", confidence: 0.9, verificationScore: 0.8, createdAt: "2026-11-21T12:00:00Z", instanceID: instance)
    }

    static func pattern(id: String, _ identity: NodeIdentity, _ clock: TestClock) throws -> Pattern {
        try Pattern(
            id: id, taskType: .preference, approach: "Similar to recent 5-star rated content", tags: ["drama"],
            alpha: 3, beta: 1, stamp: stamp(identity, clock))
    }
}

/// HTTP helpers over a test client.
struct HubClient {
    let client: any TestClientProtocol

    static func json<T: Encodable>(_ value: T) throws -> ByteBuffer { ByteBuffer(bytes: try HiveJSON.encode(value)) }

    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: ByteBuffer? = nil,
        contentType: String? = "application/json", headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil, let contentType { headers[.contentType] = contentType }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body)
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try HiveJSON.decode(type, from: Data(response.body.readableBytesView))
    }

    /// Registers a twin; returns its identity, id and token.
    func register(user: String = "alice", identity: NodeIdentity = .generate()) async throws
        -> (identity: NodeIdentity, twinID: String, token: String)
    {
        let challengeResponse = try await send(.post, "/api/v1/twins/challenge")
        #expect(challengeResponse.status == .created)
        let challenge = try decode(Registration.Challenge.self, challengeResponse)
        let request = try Registration.Request.signed(identity: identity, userID: user, metadata: ["device": "test"], challenge: challenge.challenge)
        let response = try await send(.post, "/api/v1/twins", body: try Self.json(request))
        #expect(response.status == .created)
        let registered = try decode(Registration.Response.self, response)
        return (identity, registered.twinID, registered.accessToken)
    }

    /// The problem in a response, checking its media type.
    func problem(_ response: TestResponse) throws -> Problem.Body {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try decode(Problem.Body.self, response)
    }
}

/// Asserts a problem response's status and type.
func expectProblem(
    _ response: TestResponse, _ type: ProblemType, _ client: HubClient, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(response.status.code == type.status, "status", sourceLocation: sourceLocation)
    let body = try client.problem(response)
    #expect(body.type == type.uri, "\(body.detail)", sourceLocation: sourceLocation)
}
