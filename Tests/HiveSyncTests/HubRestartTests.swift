import Foundation
import HiveCore
import HiveHub
import HiveTwin
import Synchronization
import Testing

/// Forwards to the current hub; on the `restartAt`-th push it lets the hub process the request,
/// then stops the hub and starts it again on the same data directory (a new port) before the
/// answer reaches the twin, which sees a dropped connection.
final class RestartingTransport: SyncTransport {
    private struct State {
        var hub: RunningHub
        var pushes = 0
        var restarts = 0
    }

    private let state: Mutex<State>
    private let restartAt: Int

    init(hub: RunningHub, restartAt: Int) {
        state = Mutex(State(hub: hub))
        self.restartAt = restartAt
    }

    var hub: RunningHub { state.withLock { $0.hub } }
    var restarts: Int { state.withLock { $0.restarts } }

    struct Dropped: Error {}

    func send(_ request: SyncHTTPRequest) async throws -> SyncHTTPResponse {
        let hub = state.withLock { $0.hub }
        let response = try await HTTPSyncTransport(baseURL: hub.url).send(request)
        // A push travels as `push` or `full` (push + pull); a plain pull carries no envelopes.
        let body = String(decoding: request.body ?? [], as: UTF8.self)
        let isPush =
            request.path == "/api/v1/sync" && (body.contains("\"type\":\"push\"") || body.contains("\"type\":\"full\""))
        let restart = isPush && state.withLock { s -> Bool in
            s.pushes += 1
            return s.pushes == restartAt
        }
        guard restart else { return response }
        await hub.stop()
        let next = try await RunningHub.start(dataDirectory: hub.dataDirectory)
        state.withLock {
            $0.hub = next
            $0.restarts += 1
        }
        throw Dropped()
    }
}

@Suite("Hub restarted during a sync", .serialized)
struct HubRestartTests {
    @Test("hub stopped and started again on the same data directory mid-push: nothing lost, nothing counted twice")
    func restartMidPush() async throws {
        let directory = try LiveHub.temporaryDirectory("hub")
        let first = try await RunningHub.start(dataDirectory: directory)
        let transport = RestartingTransport(hub: first, restartAt: 3)
        let twin = try await TestTwin.make(user: "restart", hubURL: first.url, transport: transport) { $0.batchSize = 16 }
        try queuePatterns(twin, count: 100, prefix: "restart")
        try twin.shareSkill("restart-trace", intent: "films set on trains")
        _ = try await syncUntilDrained(twin)
        #expect(transport.restarts == 1)
        let hub = transport.hub
        let stats = try OfflineEnvelopeStore(store: twin.store).stats()
        #expect(stats.delivered == 101 && stats.pending == 0 && stats.deadLettered == 0)
        #expect(try await hub.server.core.store.twin(id: twin.store.twinID)?.acceptedCount == 101)
        let counts = try await hub.server.core.store.counts(nowMs: hub.server.core.nowMs, activeWindowMs: 60_000)
        #expect(counts.patternsReceived == 100)
        // One ledger entry per accepted envelope plus one for the published skill: no double append.
        #expect(try await hub.server.core.store.ledger.size() == 102)
        #expect(try twin.client.knowledge.skills().count == 1)
        // The lost answer's receipts are missing, everything else verified; the head is the hub's.
        #expect(try twin.client.witness.receiptCount() == 101 - 16)
        #expect(try LedgerWitness.treeHead(in: twin.store)?.treeSize == 102)
        await hub.stop()
    }
}
