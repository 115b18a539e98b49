import Foundation
import HiveCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

@Suite("Hub HTTP API (in-process, every backend)")
struct HubAPITests {
    /// Runs `body` against an in-process hub on a fresh store of `backend`.
    func withHub(
        _ backend: Backend,
        configure: @escaping (inout HubConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (HubClient, OmegaCore, TestClock) async throws -> Void
    ) async throws {
        let clock = TestClock()
        try await Fixture.withStore(backend) { store in
            let core = Fixture.core(store: store, clock: clock, configure: configure)
            try await Fixture.application(core: core).test(.router) { client in
                try await body(HubClient(client: client), core, clock)
            }
        }
    }

    func counts(_ core: OmegaCore) async throws -> StoreCounts {
        try await core.store.counts(nowMs: core.nowMs, activeWindowMs: 3_600_000)
    }

    @Test("health, readiness and hub info", arguments: Backend.available)
    func health(backend: Backend) async throws {
        try await withHub(backend) { hub, core, _ in
            #expect(try await hub.send(.get, "/healthz").status == .ok)
            #expect(try await hub.send(.get, "/readyz").status == .ok)
            // CORS is off: a cross-origin request gets no Access-Control-Allow-Origin.
            let crossOrigin = try await hub.send(.get, "/healthz", headers: [.origin: "https://evil.example"])
            #expect(crossOrigin.headers[.accessControlAllowOrigin] == nil)
            let info = try await hub.send(.get, "/api/v1/hub")
            #expect(String(buffer: info.body).contains(core.identity.identity.publicKeyHex))
            try expectProblem(try await hub.send(.get, "/nowhere"), .notFound, hub)
            let wrongMethod = try await hub.send(.delete, "/api/v1/twins/abc")
            try expectProblem(wrongMethod, .methodNotAllowed, hub)
            #expect(wrongMethod.headers[.allow] == "GET")
            try expectProblem(try await hub.send(.get, "/metrics"), .unauthorized, hub)
            let metrics = try await hub.send(.get, "/metrics", token: Fixture.adminSecret)
            #expect(metrics.status == .ok)
            #expect(String(buffer: metrics.body).contains("hive_sync_requests_total"))
        }
    }

    @Test("register → push → pull: accepted, signed by the hub, cursor advances, replay is a duplicate", arguments: Backend.available)
    func syncRoundTrip(backend: Backend) async throws {
        try await withHub(backend) { hub, core, clock in
            let twin = try await hub.register()
            let trace = try Fixture.trace(id: "trace-1", intent: "find a thriller for tonight", instance: twin.twinID)
            let skill = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
            let pattern = try SignedEnvelope.sign(
                Fixture.pattern(id: "p1", twin.identity, clock), kind: .pattern, stamp: Fixture.stamp(twin.identity, clock),
                identity: twin.identity)
            let request = try OmegaSyncRequest(type: .full, since: 0, envelopes: [skill, pattern], maxPullCount: 10)
            let response = try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(request))
            #expect(response.status == .ok)
            let sync = try hub.decode(OmegaSyncResponse.self, response)
            #expect(sync.results.map(\.status) == [.accepted, .accepted])
            #expect(sync.metadata.patternsReceived == 1)
            #expect(sync.metadata.viewerRank == 1)
            let pull = try #require(sync.pull)
            #expect(pull.skills == [skill])
            #expect(pull.cursor > 0)
            try #require(sync.pullSignature).verify(pull, domain: SyncPull.signatureDomain, hubPublicKey: core.identity.identity.publicKey)
            // A tampered pull does not verify.
            var tampered = pull
            tampered.cursor += 1
            #expect(throws: HiveError.self) {
                try sync.pullSignature?.verify(tampered, domain: SyncPull.signatureDomain, hubPublicKey: core.identity.identity.publicKey)
            }

            // Replay: both envelopes again → duplicate, counted once.
            let replay = try await hub.send(.post, "/api/v1/sync", token: sync.accessToken, body: try HubClient.json(request))
            let replayed = try hub.decode(OmegaSyncResponse.self, replay)
            #expect(replayed.results.map(\.status) == [.duplicate, .duplicate])
            let record = try #require(try await core.store.twin(id: twin.twinID))
            #expect(record.acceptedCount == 2)
            #expect(try await counts(core).patternsReceived == 1)

            // Pull from the new cursor: nothing new.
            let next = try OmegaSyncRequest(type: .pull, since: pull.cursor)
            let nothing = try hub.decode(
                OmegaSyncResponse.self, try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(next)))
            #expect(nothing.pull?.skills.isEmpty == true && nothing.pull?.cursor == pull.cursor)
            #expect(try await core.store.twin(id: twin.twinID)?.lastSyncAt == clock.now)

            // The twin reads its own record; the admin lists twins.
            let own = try await hub.send(.get, "/api/v1/twins/\(twin.twinID)", token: twin.token)
            #expect(own.status == .ok)
            #expect(String(buffer: own.body).contains("\"acceptedCount\":2"))
            // Patterns and model: nothing consolidated or published yet, signed pages anyway.
            let patterns = try await hub.send(.get, "/api/v1/patterns?priority=high", token: twin.token)
            #expect(patterns.status == .ok && String(buffer: patterns.body).contains("\"patterns\":[]"))
            let model = try await hub.send(.get, "/api/v1/model?sinceVersion=0", token: twin.token)
            #expect(model.status == .ok && String(buffer: model.body).contains("\"version\":0"))
            let stats = try await hub.send(.get, "/api/v1/stats", token: Fixture.adminSecret)
            #expect(stats.status == .ok)
            let statsText = String(buffer: stats.body)
            #expect(statsText.contains("\"skills\":1") && statsText.contains("\"syncSuccessRate\":1"))
            clock.advance(ms: 1)  // the pattern is now older than maxAgeMs 0
            let prune = try await hub.send(
                .post, "/api/v1/prune", token: Fixture.adminSecret, body: ByteBuffer(string: "{\"minQuality\":0.5,\"maxAgeMs\":0}"))
            #expect(prune.status == .ok)
            #expect(try await counts(core).patternsPending == 0)
            let list = try await hub.send(.get, "/api/v1/twins?limit=10", token: Fixture.adminSecret)
            #expect(String(buffer: list.body).contains(twin.twinID))
            try expectProblem(try await hub.send(.get, "/api/v1/twins", token: twin.token), .unauthorized, hub)

            // A plain push: on PostgreSQL one statement, and /metrics says which path each batch took.
            let plain = try SignedEnvelope.sign(
                Fixture.pattern(id: "p2", twin.identity, clock), kind: .pattern, stamp: Fixture.stamp(twin.identity, clock),
                identity: twin.identity)
            let pushed = try hub.decode(
                OmegaSyncResponse.self,
                try await hub.send(
                    .post, "/api/v1/sync", token: twin.token, body: try HubClient.json(try OmegaSyncRequest(type: .push, envelopes: [plain]))))
            #expect(pushed.results.map(\.status) == [.accepted])
            let exposition = String(buffer: try await hub.send(.get, "/metrics", token: Fixture.adminSecret).body)
            switch backend {
            case .postgres:
                #expect(exposition.contains(#"hive_postgres_ingest_batches_total{path="one_statement",reason="written"} 1"#))
                #expect(exposition.contains(#"hive_postgres_ingest_batches_total{path="long",reason="shape"}"#))
            case .sqlite:
                #expect(!exposition.contains("hive_postgres_ingest_batches"))
            }
        }
    }

    @Test("bad envelopes are rejected with their reason and stored nowhere", arguments: Backend.available)
    func rejectedEnvelopes(backend: Backend) async throws {
        try await withHub(backend) { hub, core, clock in
            let twin = try await hub.register()
            let stranger = NodeIdentity.generate()
            let foreign = try SignedEnvelope.sign(
                Fixture.pattern(id: "p1", stranger, clock), kind: .pattern, stamp: Fixture.stamp(stranger, clock), identity: stranger)
            let future = try SignedEnvelope.sign(
                Fixture.pattern(id: "p2", twin.identity, clock), kind: .pattern,
                stamp: Fixture.stamp(twin.identity, clock, offsetMs: 3_600_000), identity: twin.identity)
            let good = try SignedEnvelope.sign(
                Fixture.pattern(id: "p3", twin.identity, clock), kind: .pattern, stamp: Fixture.stamp(twin.identity, clock),
                identity: twin.identity)
            let forged = SignedEnvelope(
                kind: good.kind, payload: good.payload, signer: good.signer,
                signature: Array(repeating: 7, count: 64), stamp: good.stamp)
            let otherInstance = try SignedEnvelope.sign(
                Fixture.trace(id: "t-x", intent: "x", instance: "someone-else"), kind: .skillTrace,
                stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
            let vote = try SignedEnvelope.sign(
                ["vote": "yes"], kind: .vote, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
            let update = try SignedEnvelope.sign(
                ["rows": "x"], kind: .modelUpdate, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
            let before = try await counts(core)
            let request = try OmegaSyncRequest(type: .push, envelopes: [foreign, future, forged, otherInstance, vote, update])
            let sync = try hub.decode(
                OmegaSyncResponse.self,
                try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(request)))
            #expect(sync.results.allSatisfy { $0.status == .rejected })
            let reasons = sync.results.map { $0.reason ?? "" }
            #expect(reasons[0].contains("registered key"))
            #expect(reasons[1].hasPrefix("clock-drift"))
            #expect(reasons[2].hasPrefix("bad-signature"))
            #expect(reasons[3].contains("instance_id"))
            #expect(reasons[4].hasPrefix("unknown-kind"))
            #expect(reasons[5].contains("aggregation engine"))
            let after = try await counts(core)
            #expect(after.patternsReceived == before.patternsReceived && after.skills == before.skills)
            #expect(after.envelopesAccepted == before.envelopesAccepted)
            #expect(after.envelopesRejected == before.envelopesRejected + 6)
        }
    }

    @Test("every bad request gets its status and problem type and leaves the database unchanged", arguments: Backend.available)
    func badRequests(backend: Backend) async throws {
        try await withHub(backend, configure: { $0.maxBodyBytes = 4096; $0.trustThreshold = 0.2 }) { hub, core, clock in
            let twin = try await hub.register()
            let before = try await counts(core)
            let feedBefore = try await core.store.feed(after: 0, kinds: nil, twinID: nil, limit: 1000)

            try expectProblem(try await hub.send(.post, "/api/v1/sync", body: ByteBuffer(string: "{}")), .unauthorized, hub)
            try expectProblem(
                try await hub.send(.post, "/api/v1/sync", token: "not.a.jwt", body: ByteBuffer(string: "{}")), .unauthorized, hub)
            let otherHub = try AccessToken.issue(twinID: twin.twinID, nowMs: clock.now, ttlSeconds: 60, identity: .generate())
            try expectProblem(
                try await hub.send(.post, "/api/v1/sync", token: otherHub.token, body: ByteBuffer(string: "{}")), .unauthorized, hub)
            try expectProblem(
                try await hub.send(.post, "/api/v1/sync", token: twin.token, body: ByteBuffer(string: "{\"type\":")),
                .malformedRequest, hub)
            try expectProblem(
                try await hub.send(.post, "/api/v1/sync", token: twin.token, body: ByteBuffer(string: "{\"type\":\"push\",\"since\":-1}")),
                .malformedRequest, hub)
            try expectProblem(
                try await hub.send(.post, "/api/v1/sync", token: twin.token, body: ByteBuffer(string: "{}"), contentType: "text/plain"),
                .unsupportedMediaType, hub)
            try expectProblem(
                try await hub.send(
                    .post, "/api/v1/sync", token: twin.token, body: ByteBuffer(string: String(repeating: " ", count: 5000))),
                .payloadTooLarge, hub)
            try expectProblem(try await hub.send(.post, "/api/v1/aggregate", token: twin.token), .unauthorized, hub)
            try expectProblem(
                try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret), .engineUnavailable, hub)
            try expectProblem(
                try await hub.send(.post, "/api/v1/updates", token: twin.token, body: ByteBuffer(string: "{\"envelopes\":[]}")),
                .engineUnavailable, hub)
            try expectProblem(
                try await hub.send(.post, "/api/v1/prune", token: Fixture.adminSecret, body: ByteBuffer(string: "{\"minQuality\":2}")),
                .invalidInput, hub)
            try expectProblem(try await hub.send(.get, "/api/v1/patterns?limit=0", token: twin.token), .invalidInput, hub)
            try expectProblem(try await hub.send(.get, "/api/v1/patterns?priority=urgent", token: twin.token), .invalidInput, hub)
            try expectProblem(try await hub.send(.get, "/api/v1/skills", token: twin.token), .invalidInput, hub)
            try expectProblem(try await hub.send(.get, "/api/v1/twins/unknown", token: Fixture.adminSecret), .notFound, hub)
            try expectProblem(try await hub.send(.get, "/api/v1/twins/unknown", token: twin.token), .forbidden, hub)

            // Registration: bad signature, unknown challenge, expired challenge.
            let identity = NodeIdentity.generate()
            let challenge = try hub.decode(Registration.Challenge.self, try await hub.send(.post, "/api/v1/twins/challenge"))
            var badSignature = try Registration.Request.signed(identity: identity, userID: "bob", challenge: challenge.challenge)
            badSignature.userID = "mallory"
            try expectProblem(
                try await hub.send(.post, "/api/v1/twins", body: try HubClient.json(badSignature)), .badSignature, hub)
            let unknown = try Registration.Request.signed(identity: identity, userID: "bob", challenge: String(repeating: "ab", count: 32))
            try expectProblem(try await hub.send(.post, "/api/v1/twins", body: try HubClient.json(unknown)), .challengeInvalid, hub)
            clock.advance(ms: Int64(core.configuration.challengeTTLSeconds) * 1000 + 1)
            let late = try Registration.Request.signed(identity: identity, userID: "bob", challenge: challenge.challenge)
            try expectProblem(try await hub.send(.post, "/api/v1/twins", body: try HubClient.json(late)), .challengeExpired, hub)
            let badKey = Registration.Request(publicKey: "zz", userID: "bob", metadata: [:], challenge: challenge.challenge, signature: "")
            try expectProblem(try await hub.send(.post, "/api/v1/twins", body: try HubClient.json(badKey)), .invalidInput, hub)

            let after = try await counts(core)
            #expect(after == before)
            #expect(try await core.store.feed(after: 0, kinds: nil, twinID: nil, limit: 1000) == feedBefore)
        }
    }

    @Test("skill exchange: 201, 409 duplicate, 400 invalid, 403 untrusted; lexical search says so", arguments: Backend.available)
    func skills(backend: Backend) async throws {
        try await withHub(backend) { hub, core, clock in
            let twin = try await hub.register()
            let trace = try Fixture.trace(id: "trace-9", intent: "recommend a comedy for a rainy evening", instance: twin.twinID)
            let envelope = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
            #expect(try await hub.send(.post, "/api/v1/skills", token: twin.token, body: try HubClient.json(envelope)).status == .created)
            try expectProblem(
                try await hub.send(.post, "/api/v1/skills", token: twin.token, body: try HubClient.json(envelope)), .duplicate, hub)
            var again = trace
            again.result = "another result"
            let sameTrace = try SignedEnvelope.sign(again, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
            try expectProblem(
                try await hub.send(.post, "/api/v1/skills", token: twin.token, body: try HubClient.json(sameTrace)), .duplicate, hub)
            // confidence 2 is out of range: the signed payload fails validation.
            var object = try HiveJSON.decode(JSONValue.self, from: envelope.payload)
            if case .object(var members) = object {
                members["confidence"] = .number(2)
                members["trace_id"] = .string("trace-10")
                object = .object(members)
            }
            let invalid = try SignedEnvelope.sign(
                payload: try CanonicalJSON.encode(object), kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock),
                identity: twin.identity)
            let invalidResponse = try await hub.send(.post, "/api/v1/skills", token: twin.token, body: try HubClient.json(invalid))
            #expect(invalidResponse.status == .badRequest)
            #expect(try hub.problem(invalidResponse).detail.contains("confidence"))

            let search = try await hub.send(.get, "/api/v1/skills?intent=comedy%20evening&limit=5", token: twin.token)
            #expect(search.status == .ok)
            let text = String(buffer: search.body)
            #expect(text.contains("\"method\":\"lexical\""))
            #expect(text.contains("trace-9"))
            let miss = String(buffer: try await hub.send(.get, "/api/v1/skills?intent=quantum%20physics", token: twin.token).body)
            #expect(!miss.contains("trace-9"))
            let instances = String(buffer: try await hub.send(.get, "/api/v1/instances", token: twin.token).body)
            #expect(instances.contains("\"traceCount\":1"))
        }
        try await withHub(backend, configure: { $0.trustThreshold = 0.9 }) { hub, _, clock in
            let twin = try await hub.register()
            let trace = try Fixture.trace(id: "trace-1", intent: "x", instance: twin.twinID)
            let envelope = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
            try expectProblem(
                try await hub.send(.post, "/api/v1/skills", token: twin.token, body: try HubClient.json(envelope)), .untrustedInstance, hub)
        }
    }

    @Test("tokens expire after their TTL; a fresh registration and every sync refresh them", arguments: Backend.available)
    func tokenExpiry(backend: Backend) async throws {
        try await withHub(backend, configure: { $0.tokenTTLSeconds = 60 }) { hub, _, clock in
            let twin = try await hub.register()
            let pull = try HubClient.json(try OmegaSyncRequest(type: .pull))
            let first = try await hub.send(.post, "/api/v1/sync", token: twin.token, body: pull)
            #expect(first.status == .ok)
            let refreshed = try hub.decode(OmegaSyncResponse.self, first)
            clock.advance(ms: 61_000)
            try expectProblem(try await hub.send(.post, "/api/v1/sync", token: twin.token, body: pull), .tokenExpired, hub)
            try expectProblem(try await hub.send(.post, "/api/v1/sync", token: refreshed.accessToken, body: pull), .tokenExpired, hub)
            let again = try await hub.register(identity: twin.identity)
            #expect(again.twinID == twin.twinID)
            #expect(try await hub.send(.post, "/api/v1/sync", token: again.token, body: pull).status == .ok)
        }
    }

    @Test("rate limit: 429 with Retry-After once the bucket is empty", arguments: Backend.available)
    func rateLimit(backend: Backend) async throws {
        try await withHub(backend, configure: { $0.rateLimitPerMinute = 3 }) { hub, _, clock in
            let twin = try await hub.register()  // two anonymous requests from the same (unknown) address
            for _ in 0..<3 {
                #expect(try await hub.send(.get, "/api/v1/instances", token: twin.token).status == .ok)
            }
            let limited = try await hub.send(.get, "/api/v1/instances", token: twin.token)
            try expectProblem(limited, .rateLimited, hub)
            #expect(limited.headers[.retryAfter] == "20")
            clock.advance(ms: 20_000)
            #expect(try await hub.send(.get, "/api/v1/instances", token: twin.token).status == .ok)
        }
    }

    @Test("blocklisted twins get 403 on every route and cannot re-register", arguments: Backend.available)
    func blocklist(backend: Backend) async throws {
        try await withHub(backend) { hub, _, _ in
            let twin = try await hub.register()
            let block = try await hub.send(
                .post, "/api/v1/twins/\(twin.twinID)/block", token: Fixture.adminSecret, body: ByteBuffer(string: "{\"blocked\":true}"))
            #expect(block.status == .ok)
            try expectProblem(
                try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(try OmegaSyncRequest(type: .pull))),
                .twinBlocked, hub)
            let challenge = try hub.decode(Registration.Challenge.self, try await hub.send(.post, "/api/v1/twins/challenge"))
            let request = try Registration.Request.signed(identity: twin.identity, userID: "alice", challenge: challenge.challenge)
            try expectProblem(try await hub.send(.post, "/api/v1/twins", body: try HubClient.json(request)), .twinBlocked, hub)
        }
    }

    @Test("SSE: events carry feed ids and resume after Last-Event-ID", arguments: Backend.available)
    func events(backend: Backend) async throws {
        try await withHub(backend) { hub, _, clock in
            let twin = try await hub.register()
            for index in 1...2 {
                let trace = try Fixture.trace(id: "trace-\(index)", intent: "intent \(index)", instance: twin.twinID)
                let envelope = try SignedEnvelope.sign(
                    trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                #expect(try await hub.send(.post, "/api/v1/skills", token: twin.token, body: try HubClient.json(envelope)).status == .created)
            }
            let first = try await hub.send(.get, "/api/v1/events?maxEvents=2", token: Fixture.adminSecret)
            #expect(first.headers[.contentType] == "text/event-stream")
            let text = String(buffer: first.body)
            #expect(text.contains("event: twin.registered"))
            #expect(text.contains("event: skill.published"))
            let ids = text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
            #expect(ids.count == 2)
            let resumed = try await hub.send(
                .get, "/api/v1/events/\(twin.twinID)?maxEvents=1", token: twin.token, headers: [.init("Last-Event-ID")!: ids[1]])
            let next = String(buffer: resumed.body)
            let data = try #require(next.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
            let resumedTrace = try HiveJSON.decode(SignedEnvelope.self, from: Array(data.utf8)).decodePayload(as: SkillTrace.self)
            #expect(resumedTrace.traceID == "trace-2")
            #expect(!next.contains("id: \(ids[1])\n"))
            try expectProblem(
                try await hub.send(.get, "/api/v1/events?maxEvents=1", token: twin.token, headers: [.init("Last-Event-ID")!: "x"]),
                .invalidInput, hub)
            try expectProblem(try await hub.send(.get, "/api/v1/events/other", token: twin.token), .forbidden, hub)
        }
    }
}
