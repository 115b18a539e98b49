import Foundation
import HiveCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

/// Hostile bytes never crash the hub or earn a 5xx, and never change stored state.
@Suite("Hub under mutated input")
struct FuzzTests {
    @Test("300 byte-level mutations of a valid sync body: every answer is 2xx or a 4xx problem")
    func mutatedSync() async throws {
        let clock = TestClock()
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock)
            try await Fixture.application(core: core).test(.router) { client in
                let hub = HubClient(client: client)
                let twin = try await hub.register()
                let trace = try Fixture.trace(id: "fuzz", intent: "fuzzing intent", instance: twin.twinID)
                let envelope = try SignedEnvelope.sign(
                    trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                let valid = Array(try HiveJSON.encode(try OmegaSyncRequest(type: .full, envelopes: [envelope])))
                let before = try await store.counts(nowMs: clock.now, activeWindowMs: 1)
                var random = SeededGenerator(seed: 42)
                var accepted = 0
                for _ in 0..<300 {
                    var bytes = valid
                    for _ in 0..<(1 + Int(random.next() % 4)) {
                        let index = Int(random.next() % UInt64(bytes.count))
                        switch random.next() % 3 {
                        case 0: bytes[index] = UInt8(truncatingIfNeeded: random.next())
                        case 1: bytes.remove(at: index)
                        default: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
                        }
                    }
                    let response = try await hub.send(.post, "/api/v1/sync", token: twin.token, body: ByteBuffer(bytes: bytes))
                    #expect(response.status.code < 500, "5xx for a mutated body")
                    if response.status == .ok {
                        let sync = try hub.decode(OmegaSyncResponse.self, response)
                        accepted += sync.results.filter { $0.status == .accepted }.count
                    } else {
                        #expect(response.headers[.contentType] == "application/problem+json")
                    }
                }
                // A mutation can only be accepted if it left the signed envelope intact (e.g. it
                // changed whitespace or `maxPullCount`); then it is the same envelope, stored once.
                let after = try await store.counts(nowMs: clock.now, activeWindowMs: 1)
                #expect(after.skills - before.skills == (accepted > 0 ? 1 : 0))
                #expect(accepted <= 1)
            }
        }
    }
}
