import Foundation
import GRDB
import HiveCore
import HiveHub
import HiveTestSupport
import HiveTwin
import Testing

/// Pattern envelopes as the twin's ReasoningBank writes them: stamped by the store clock (node id
/// = twin id) and signed by the device key.
func queuePatterns(_ twin: TestTwin, count: Int, prefix: String) throws {
    let outbox = OfflineEnvelopeStore(store: twin.store)
    try twin.store.write { db in
        for i in 0..<count {
            let stamp = twin.store.clock.now()
            let pattern = try Pattern(
                id: "\(twin.store.twinID)-\(prefix)-\(i)", taskType: .preference, approach: "\(prefix) approach \(i)",
                tags: ["drama"], alpha: 3, beta: 1, stamp: stamp)
            try outbox.enqueue(try SignedEnvelope.sign(pattern, kind: .pattern, stamp: stamp, identity: twin.store.identity), in: db)
        }
    }
}

/// Syncs until the outbox is empty (a flaky transport may need several rounds).
@discardableResult
func syncUntilDrained(_ twin: TestTwin, rounds: Int = 60) async throws -> [SyncReport] {
    var reports: [SyncReport] = []
    for _ in 0..<rounds {
        if let report = try? await twin.client.sync() {
            reports.append(report)
            if report.pendingAfter == 0 { return reports }
        }
        // Let scheduled backoffs come due.
        try await Task.sleep(for: .milliseconds(60))
    }
    Issue.record("outbox did not drain in \(rounds) rounds: \(try OfflineEnvelopeStore(store: twin.store).stats())")
    return reports
}

@Suite("SyncClient against a live hub", .serialized)
struct SyncClientTests {
    @Test("three twins push, and each receives the others' published skills")
    func threeTwinsShareKnowledge() async throws {
        try await LiveHub.with { url, server in
            var twins: [TestTwin] = []
            for user in ["ana", "ben", "cy"] { twins.append(try await TestTwin.make(user: user, hubURL: url)) }
            for (i, twin) in twins.enumerated() {
                try twin.shareSkill("trace-\(i)", intent: "find a thriller for user \(i)")
                try queuePatterns(twin, count: 5, prefix: "p\(i)")
            }
            for twin in twins {
                let report = try await twin.client.sync()
                #expect(report.accepted == 6)
                #expect(report.rejected == 0)
                #expect(report.pendingAfter == 0)
            }
            // The last twin to sync already saw all three traces; the others see them on their next sync.
            for twin in twins { _ = try await twin.client.sync() }
            for twin in twins {
                let skills = try twin.client.knowledge.skills()
                #expect(Set(skills.map(\.traceID)) == ["trace-0", "trace-1", "trace-2"])
                #expect(try SyncState.load(from: twin.store).cursor > 0)
            }
            for twin in twins {
                let record = try await server.core.store.twin(id: twin.store.twinID)
                #expect(record?.acceptedCount == 6)
            }
        }
    }

    @Test("a twin offline for 1,000 actions reconnects and delivers everything exactly once")
    func offlineThousand() async throws {
        let hubDirectory = try LiveHub.temporaryDirectory("hub")
        let transport = FaultyTransport(inner: nil)
        let twin = try await LiveHub.with(dataDirectory: hubDirectory) { url, _ in
            let twin = try await TestTwin.make(user: "offline", hubURL: url, transport: transport)
            try queuePatterns(twin, count: 1, prefix: "first")
            transport.setInner(try HTTPSyncTransport(baseURL: url))
            #expect(try await twin.client.sync().accepted == 1)
            return twin
        }
        // Offline: the hub is gone.
        transport.setInner(nil)
        try queuePatterns(twin, count: 900, prefix: "offline")
        for i in 0..<100 { try twin.shareSkill("offline-trace-\(i)", intent: "offline intent \(i)") }
        await #expect(throws: HiveError.self) { try await twin.client.sync() }
        #expect(try OfflineEnvelopeStore(store: twin.store).stats().pending == 1000)
        // Back online: the same hub (same key and database) on a new port.
        try await LiveHub.with(dataDirectory: hubDirectory) { url, server in
            transport.setInner(try HTTPSyncTransport(baseURL: url))
            let reports = try await syncUntilDrained(twin)
            let stats = try OfflineEnvelopeStore(store: twin.store).stats()
            #expect(stats.pending == 0)
            #expect(stats.deadLettered == 0)
            #expect(stats.delivered == 1001)
            let record = try await server.core.store.twin(id: twin.store.twinID)
            #expect(record?.acceptedCount == 1001)
            #expect(reports.reduce(0) { $0 + $1.accepted } == 1000)
            #expect(try twin.client.knowledge.skills().count == 100)
        }
    }

    @Test("dropped connections, duplicated and replayed requests: every envelope applied exactly once, twins converge")
    func faultInjection() async throws {
        try await LiveHub.with { url, server in
            var twins: [(TestTwin, FaultyTransport)] = []
            for (i, user) in ["f1", "f2", "f3"].enumerated() {
                let transport = FaultyTransport(
                    inner: try HTTPSyncTransport(baseURL: url),
                    faults: .init(dropBefore: 0.15, dropAfter: 0.2, duplicate: 0.25, replayStale: 0.2), seed: UInt64(7 + i))
                let twin = try await TestTwin.make(user: user, hubURL: url, transport: transport) { $0.batchSize = 16 }
                try queuePatterns(twin, count: 120, prefix: "fault\(i)")
                for t in 0..<20 { try twin.shareSkill("\(user)-trace-\(t)", intent: "intent \(user) \(t)") }
                twins.append((twin, transport))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (twin, _) in twins { group.addTask { _ = try await syncUntilDrained(twin) } }
                try await group.waitForAll()
            }
            for (twin, transport) in twins {
                transport.setFaults(.init())
                _ = try await twin.client.sync()
                let counts = transport.counts
                #expect(counts.droppedAfter > 0 && counts.duplicated > 0 && counts.replayed > 0)
                let record = try await server.core.store.twin(id: twin.store.twinID)
                #expect(record?.acceptedCount == 140, "hub counted each envelope once")
                let stats = try OfflineEnvelopeStore(store: twin.store).stats()
                #expect(stats.delivered == 140 && stats.pending == 0 && stats.deadLettered == 0)
            }
            let counts = try await server.core.store.counts(nowMs: server.core.nowMs, activeWindowMs: 60_000)
            #expect(counts.patternsReceived == 360)
            for (twin, _) in twins { #expect(try twin.client.knowledge.skills().count == 60) }
        }
    }

    @Test("a hub answering with another key is refused; nothing is delivered or applied")
    func pinningRefusal() async throws {
        try await LiveHub.with { urlA, _ in
            try await LiveHub.with { urlB, _ in
                let transport = FaultyTransport(inner: try HTTPSyncTransport(baseURL: urlA))
                let twin = try await TestTwin.make(user: "pinned", hubURL: urlA, transport: transport)
                try queuePatterns(twin, count: 3, prefix: "pin")
                transport.setInner(try HTTPSyncTransport(baseURL: urlB))
                await #expect { try await twin.client.sync() } throws: { error in
                    (error as? HiveError)?.code == .badSignature
                }
                #expect(try OfflineEnvelopeStore(store: twin.store).stats().pending == 3)
                #expect(try SyncState.load(from: twin.store).cursor == 0)
                // Re-pinning to B through the API is refused too.
                #expect(throws: HiveError.self) {
                    try SyncState.pin(hubKeyHex: String(repeating: "ab", count: 32), hubURL: urlB, in: twin.store)
                }
            }
        }
    }

    @Test("a pull whose signature does not verify is refused and the cursor stays")
    func tamperedPull() async throws {
        try await LiveHub.with { url, _ in
            let sharer = try await TestTwin.make(user: "sharer", hubURL: url)
            try sharer.shareSkill("t-1", intent: "documentaries about space")
            _ = try await sharer.client.sync()
            let transport = FaultyTransport(inner: try HTTPSyncTransport(baseURL: url))
            let twin = try await TestTwin.make(user: "victim", hubURL: url, transport: transport)
            transport.setTamper { response in
                var response = response
                let text = String(decoding: response.body, as: UTF8.self)
                if text.contains("\"pull\"") {
                    response.body = Array(text.replacingOccurrences(of: "\"hasMore\":false", with: "\"hasMore\":true").utf8)
                }
                return response
            }
            await #expect { try await twin.client.sync() } throws: { ($0 as? HiveError)?.code == .badSignature }
            #expect(try SyncState.load(from: twin.store).cursor == 0)
            #expect(try twin.client.knowledge.skills().isEmpty)
            transport.setTamper(nil)
            _ = try await twin.client.sync()
            #expect(try twin.client.knowledge.skills().count == 1)
        }
    }

    @Test("twins with clocks an hour fast or slow lose no writes", arguments: [3_600_000 as Int64, -3_600_000])
    func clockSkew(skewMs: Int64) async throws {
        try await LiveHub.with { url, server in
            let twin = try await TestTwin.make(user: "skew\(skewMs)", hubURL: url, deviceClockSkewMs: skewMs)
            // Written offline, before the twin ever learned the hub's time.
            try queuePatterns(twin, count: 20, prefix: "skewed")
            let report = try await twin.client.sync()
            #expect(report.accepted == 20)
            #expect(report.rejected == 0)
            #expect(abs(report.clockOffsetMs + skewMs) < 3_000, "offset \(report.clockOffsetMs) undoes skew \(skewMs)")
            // After adopting the offset, new physical time is hub time (the HLC may stay ahead until real time catches up).
            let physical = Int64(twin.offset.physicalClock())
            #expect(abs(physical - Int64(HybridLogicalClock.systemMilliseconds())) < 3_000)
            try queuePatterns(twin, count: 5, prefix: "after")
            let second = try await twin.client.sync()
            let dead = try OfflineEnvelopeStore(store: twin.store).deadLetters().map(\.lastError)
            #expect(second.accepted == 5, "\(second) \(dead)")
            #expect(try await server.core.store.twin(id: twin.store.twinID)?.acceptedCount == 25)
        }
    }

    @Test("bad configuration and input get specific errors")
    func badInput() async throws {
        #expect { try HTTPSyncTransport(baseURL: "ftp://example") } throws: { ($0 as? HiveError)?.code == .invalidInput }
        #expect { try HTTPSyncTransport(baseURL: "not a url") } throws: { ($0 as? HiveError)?.code == .invalidInput }
        let dir = try LiveHub.temporaryDirectory("bad")
        let store = try TwinStore(path: dir + "/twin.sqlite", identity: .generate(), userID: "u")
        let transport = FaultyTransport(inner: nil)
        #expect { try SyncClient(store: store, transport: transport, configuration: .init(userID: "u")) } throws: {
            ($0 as? HiveError)?.code == .invalidInput
        }
        #expect(throws: HiveError.self) { try SyncState.pin(hubKeyHex: "zz", hubURL: "http://x", in: store) }
        try SyncState.pin(hubKeyHex: NodeIdentity.generate().publicKeyHex, hubURL: "http://127.0.0.1:1", in: store)
        var configuration = SyncClient.Configuration(userID: "u")
        configuration.batchSize = 0
        #expect(throws: HiveError.self) { try SyncClient(store: store, transport: transport, configuration: configuration) }
        // Unreachable hub: a specific error after the retries, nothing lost.
        configuration.batchSize = 10
        configuration.retry = RetryPolicy(baseMs: 1, capMs: 2, maxAttempts: 2)
        let client = try SyncClient(store: store, transport: transport, configuration: configuration)
        await #expect { try await client.sync() } throws: { ($0 as? HiveError)?.code == .unavailable }
    }
}
