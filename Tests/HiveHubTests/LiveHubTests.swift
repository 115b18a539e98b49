import Foundation
import HiveCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

/// The same flow over a real loopback socket (HTTP/1.1, NIO server, SQLite on disk).
@Suite("Hub over loopback")
struct LiveHubTests {
    @Test("register → push → pull over TCP, replay → duplicate, pull signature verifies")
    func liveRoundTrip() async throws {
        let clock = TestClock()
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock)
            try await Fixture.application(core: core).test(.live) { client in
                let hub = HubClient(client: client)
                #expect(try await hub.send(.get, "/healthz").status == .ok)
                let twin = try await hub.register(user: "live")
                let trace = try Fixture.trace(id: "live-1", intent: "queue the next episode", instance: twin.twinID)
                let envelope = try SignedEnvelope.sign(
                    trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                let request = try OmegaSyncRequest(type: .full, envelopes: [envelope])
                let first = try hub.decode(
                    OmegaSyncResponse.self, try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(request)))
                #expect(first.results.map(\.status) == [.accepted])
                let pull = try #require(first.pull)
                #expect(pull.skills == [envelope])
                let info = try await hub.send(.get, "/api/v1/hub")
                struct Info: Decodable { var publicKey: String }
                let key = try #require(Hex.decode(try hub.decode(Info.self, info).publicKey))
                try #require(first.pullSignature).verify(pull, domain: SyncPull.signatureDomain, hubPublicKey: key)
                let again = try hub.decode(
                    OmegaSyncResponse.self,
                    try await hub.send(.post, "/api/v1/sync", token: first.accessToken, body: try HubClient.json(request)))
                #expect(again.results.map(\.status) == [.duplicate])
                #expect(try await core.store.twin(id: twin.twinID)?.acceptedCount == 1)
            }
        }
    }
}
