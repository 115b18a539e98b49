import Foundation
import HiveCore
import HiveTestSupport
import HiveTwin

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
