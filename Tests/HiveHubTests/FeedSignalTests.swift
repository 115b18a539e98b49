import Foundation
import GRDB
import HiveCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

@Suite("Feed signal: SSE streams wake at commit")
struct FeedSignalTests {
    /// The decoded envelope payloads of the `data:` lines of an SSE body (skill events carry the envelope).
    static func tracePayloads(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("data: "),
                let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
                let payload = object["payload"] as? String, let bytes = Data(base64Encoded: payload)
            else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test("wait returns on notify, on a notify that came before it, and on timeout")
    func signal() async throws {
        let signal = FeedSignal()
        let seen = signal.generation
        signal.notify()
        // Notified between "read the feed" and "wait": returns without waiting out the timeout, no
        // lost wake-up. The bound is half the timeout, not a latency: on a loaded machine the test
        // process can go unscheduled for seconds (seen: 13.6 s), which says nothing about the signal.
        let early = ContinuousClock.now
        await signal.wait(after: seen, timeout: .seconds(120))
        #expect(ContinuousClock.now - early < .seconds(60))

        let current = signal.generation
        let waiter = Task { await signal.wait(after: current, timeout: .seconds(120)) }
        try await Task.sleep(for: .milliseconds(50))
        let notified = ContinuousClock.now
        signal.notify()
        await waiter.value
        #expect(ContinuousClock.now - notified < .seconds(60))

        let quiet = ContinuousClock.now
        await signal.wait(after: signal.generation, timeout: .milliseconds(50))
        #expect(ContinuousClock.now - quiet >= .milliseconds(50))

        // Cancellation ends a wait too.
        let cancelled = Task { await signal.wait(after: signal.generation, timeout: .seconds(30)) }
        cancelled.cancel()
        await cancelled.value
    }

    @Test("commit observer: signals after a committed feed insert only")
    func commitObserver() throws {
        let signal = FeedSignal()
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE feed (seq INTEGER PRIMARY KEY, ref TEXT)")
            try db.execute(sql: "CREATE TABLE other (id INTEGER PRIMARY KEY)")
        }
        queue.writeWithoutTransaction { db in
            db.add(transactionObserver: FeedCommitObserver(signal: signal), extent: .databaseLifetime)
        }
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try queue.write { db in
                try db.execute(sql: "INSERT INTO feed (ref) VALUES ('x')")
                throw Abort()
            }
        }
        #expect(signal.generation == 0)
        try queue.write { db in try db.execute(sql: "INSERT INTO other DEFAULT VALUES") }
        #expect(signal.generation == 0)
        try queue.write { db in try db.execute(sql: "INSERT INTO feed (ref) VALUES ('y')") }
        #expect(signal.generation == 1)
    }

    @Test("SQLite: a committed feed write wakes a waiting stream (polling set to 60 s)")
    func sqliteCommitWakesStream() async throws {
        let clock = TestClock()
        try await Fixture.withStore(.sqlite) { store in
            let signal = try #require((store as? any FeedSignalling)?.feedSignal)
            let core = Fixture.core(store: store, clock: clock, configure: { $0.eventPollIntervalMs = 60_000 })
            // Two connections: the stream holds one, the write goes through the other.
            try await Fixture.application(core: core).test(.live) { streamClient in
                try await Fixture.application(core: core).test(.live) { client in
                    let hub = HubClient(client: client)
                    let listener = HubClient(client: streamClient)
                    let twin = try await hub.register()
                    let head = try await store.feed(after: 0, kinds: nil, twinID: nil, limit: 100).last?.seq ?? 0
                    let before = signal.generation
                    let started = ContinuousClock.now
                    async let streamed = listener.send(
                        .get, "/api/v1/events?maxEvents=1&lastEventId=\(head)", token: twin.token)
                    try await Task.sleep(for: .milliseconds(300))
                    let trace = try Fixture.trace(id: "wake-1", intent: "wake up", instance: twin.twinID)
                    let envelope = try SignedEnvelope.sign(
                        trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                    #expect(
                        try await hub.send(
                            .post, "/api/v1/skills", token: twin.token, body: try HubClient.json(envelope)
                        ).status == .created)
                    let text = String(buffer: try await streamed.body)
                    #expect(FeedSignalTests.tracePayloads(text).contains { $0.contains("\"wake-1\"") })
                    #expect(ContinuousClock.now - started < .seconds(10))
                    #expect(signal.generation > before)
                }
            }
        }
    }
}
