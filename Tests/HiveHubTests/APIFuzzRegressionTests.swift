import Foundation
import HiveCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

/// Findings of the schemathesis run (scripts/fuzz/api.sh), each pinned so it cannot come back.
@Suite("API fuzz findings")
struct APIFuzzRegressionTests {
    func withHub(_ body: @escaping @Sendable (HubClient, OmegaCore) async throws -> Void) async throws {
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: TestClock())
            try await Fixture.application(core: core).test(.router) { client in
                try await body(HubClient(client: client), core)
            }
        }
    }

    @Test("Allow lists only the methods the router really serves: a literal segment is not a capture")
    func allowFollowsTheTrie() async throws {
        try await withHub { hub, _ in
            // /twins/challenge is POST only; GET /twins/{id} does not reach it, so GET is not allowed.
            for method in [HTTPRequest.Method.get, .put, .options] {
                let response = try await hub.send(method, "/api/v1/twins/challenge", token: Fixture.adminSecret)
                try expectProblem(response, .methodNotAllowed, hub)
                #expect(response.headers[.allow] == "POST", "\(method)")
            }
            // A capture still matches when no literal does.
            let other = try await hub.send(.delete, "/api/v1/twins/some-id")
            #expect(other.headers[.allow] == "GET")
        }
    }

    @Test("RouteTable resolves literal segments before captures, segment by segment")
    func routeTableResolution() {
        let table = RouteTable()
        table.set([
            ("POST", "/api/v1/twins/challenge"), ("GET", "/api/v1/twins/{id}"), ("POST", "/api/v1/twins/{id}/block"),
            ("GET", "/api/v1/events/{twinId}"), ("GET", "/api/v1/events"),
        ])
        #expect(table.methods(for: "/api/v1/twins/challenge") == ["POST"])
        #expect(table.methods(for: "/api/v1/twins/abc") == ["GET"])
        #expect(table.methods(for: "/api/v1/twins/challenge/block") == ["POST"])
        #expect(table.methods(for: "/api/v1/events/x") == ["GET"])
        #expect(table.methods(for: "/api/v1/nowhere").isEmpty)
    }
}
