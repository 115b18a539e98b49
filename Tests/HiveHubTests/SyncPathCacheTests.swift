import Foundation
import HiveCore
import HiveLedger
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

/// The sync path's caches: memoised pull signatures, the twins known in memory, and the blocked
/// check that moved into the write transaction.
@Suite("Sync path caches")
struct SyncPathCacheTests {
    static let hubKey = NodeIdentity.generate()

    static func page(since: Int64, cursor: Int64) -> SyncPull {
        SyncPull(since: since, cursor: cursor, hasMore: false, patterns: [], modelDeltas: [], skills: [])
    }

    @Test("a memoised pull signature equals a fresh one and verifies; another page gets its own")
    func memoisedSignature() throws {
        let memo = SignatureMemo(identity: Self.hubKey)
        let page = Self.page(since: 7, cursor: 7)
        let fresh = try HubSignature.sign(page, domain: SyncPull.signatureDomain, identity: Self.hubKey)
        let first = try memo.hubSignature(page, domain: SyncPull.signatureDomain)
        let second = try memo.hubSignature(page, domain: SyncPull.signatureDomain)
        #expect(memo.count == 1)
        // Ed25519 is deterministic: the remembered signature is the one signing again gives.
        #expect(first == fresh && second == fresh)
        try second.verify(page, domain: SyncPull.signatureDomain, hubPublicKey: Self.hubKey.publicKey)
        // A changed page does not verify under the old signature, and gets its own.
        let moved = Self.page(since: 7, cursor: 9)
        #expect(throws: HiveError.self) { try second.verify(moved, domain: SyncPull.signatureDomain, hubPublicKey: Self.hubKey.publicKey) }
        let other = try memo.hubSignature(moved, domain: SyncPull.signatureDomain)
        #expect(other != first)
        try other.verify(moved, domain: SyncPull.signatureDomain, hubPublicKey: Self.hubKey.publicKey)
        // The domain is part of the signed bytes.
        let otherDomain = try memo.hubSignature(page, domain: "hive.other.v1")
        #expect(otherDomain != first)
        #expect(throws: HiveError.self) { try otherDomain.verify(page, domain: SyncPull.signatureDomain, hubPublicKey: Self.hubKey.publicKey) }
    }

    @Test("the memo is bounded in entries and skips long messages")
    func memoBounds() throws {
        let memo = SignatureMemo(identity: Self.hubKey, capacity: 3, maxMessageBytes: 64)
        for cursor in 0..<3 { _ = try memo.sign(Array("page \(cursor)".utf8)) }
        #expect(memo.count == 3)
        let fourth = try memo.sign(Array("page 3".utf8))
        #expect(memo.count == 1)
        try Ed25519.verify(signature: fourth, message: Array("page 3".utf8), publicKey: Self.hubKey.publicKey)
        let long = [UInt8](repeating: 42, count: 65)
        let signature = try memo.sign(long)
        #expect(memo.count == 1)
        try Ed25519.verify(signature: signature, message: long, publicKey: Self.hubKey.publicKey)
    }

    @Test("token check by the issuer: own tokens pass, the verdict equals full verification, forgeries fail")
    func issuerTokenCheck() throws {
        let now: Int64 = 1_800_000_000_000
        let issued = try AccessToken.issue(twinID: "twin-1", nowMs: now, ttlSeconds: 900, identity: Self.hubKey)
        let fast = try AccessToken.verify(issued.token, nowMs: now + 1000, issuer: Self.hubKey)
        #expect(fast == (try AccessToken.verify(issued.token, nowMs: now + 1000, hubPublicKey: Self.hubKey.publicKey)))
        #expect(fast.twinID == "twin-1" && fast.expiresAt * 1000 == issued.expiresAtMs)
        #expect(throws: AccessToken.Expired.self) { try AccessToken.verify(issued.token, nowMs: now + 900_000, issuer: Self.hubKey) }
        // Every one-character change of the token is refused.
        let chars = Array(issued.token)
        for position in stride(from: 0, to: chars.count, by: 3) where chars[position] != "." {
            var changed = chars
            changed[position] = changed[position] == "A" ? "B" : "A"
            #expect(throws: (any Error).self) { try AccessToken.verify(String(changed), nowMs: now + 1000, issuer: Self.hubKey) }
        }
        // Our kid and iss, signed by another key: the own-signature comparison fails, and so does the full check.
        let mallory = NodeIdentity.generate()
        let header = AccessToken.base64URL(try HiveJSON.encode(AccessToken.Header(alg: "EdDSA", kid: Self.hubKey.nodeID, typ: "JWT")))
        let claims = AccessToken.base64URL(
            try HiveJSON.encode(AccessToken.Claims(iss: Self.hubKey.nodeID, sub: "twin-1", iat: now / 1000, exp: now / 1000 + 900, jti: "x")))
        let forged = header + "." + claims + "." + AccessToken.base64URL(Data(try mallory.sign(Array((header + "." + claims).utf8))))
        #expect(throws: HiveError.self) { try AccessToken.verify(forged, nowMs: now + 1000, issuer: Self.hubKey) }
        // The same bytes signed by the hub key pass.
        let genuine = header + "." + claims + "." + AccessToken.base64URL(Data(try Self.hubKey.sign(Array((header + "." + claims).utf8))))
        #expect(try AccessToken.verify(genuine, nowMs: now + 1000, issuer: Self.hubKey).twinID == "twin-1")
    }

    @Test("the issuer's signature comparison is exact: one flipped bit anywhere, or another length, is unequal")
    func constantTimeSignatureComparison() {
        let signature = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        #expect(AccessToken.constantTimeEqual(signature, signature))
        for index in [0, 31, 63] {
            var flipped = signature
            flipped[index] ^= 0x01
            #expect(!AccessToken.constantTimeEqual(signature, flipped))
        }
        #expect(!AccessToken.constantTimeEqual(signature, Array(signature.prefix(63))))
        #expect(!AccessToken.constantTimeEqual([], signature))
    }

    @Test("a token the core issues is recorded as verified with the claims verification would give")
    func issuedTokensRecorded() async throws {
        let clock = TestClock()
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock, hubKey: Self.hubKey)
            let issued = try core.issueToken(twinID: "twin-9", nowMs: clock.now)
            let recorded = try #require(core.verifiedTokens.lookup(issued.token))
            #expect(recorded == (try AccessToken.verify(issued.token, nowMs: clock.now, hubPublicKey: Self.hubKey.publicKey)))
        }
    }

    @Test("verified tokens: bounded by two generations; tokens in use survive a turnover, unused ones go")
    func verifiedTokensGenerations() {
        let cache = VerifiedTokens(capacity: 8)
        func token(_ index: Int) -> AccessToken { AccessToken(twinID: "twin-\(index)", issuedAt: 1, expiresAt: 2) }
        for index in 0..<4 { cache.insert("t\(index)", token(index)) }
        #expect(cache.count == 4)
        // The fifth token turns the generation over: t0…t3 become the previous generation.
        cache.insert("t4", token(4))
        #expect(cache.count == 5)
        // t0 is in use: looking it up carries it into the current generation.
        #expect(cache.lookup("t0") == token(0))
        for index in 5..<7 { cache.insert("t\(index)", token(index)) }
        // Current {t4, t0, t5, t6} is full; t7 turns it over and drops t1…t3, never looked up.
        cache.insert("t7", token(7))
        #expect(cache.count <= 8)
        #expect(cache.lookup("t1") == nil && cache.lookup("t3") == nil)
        #expect(cache.lookup("t0") == token(0) && cache.lookup("t7") == token(7) && cache.lookup("t5") == token(5))
        // Inserting a held token again neither duplicates nor turns over.
        let before = cache.count
        cache.insert("t7", token(7))
        #expect(cache.count == before)
        // A removed token (replaced by a refresh) is gone from either generation.
        cache.remove("t0")
        cache.remove("t7")
        #expect(cache.lookup("t0") == nil && cache.lookup("t7") == nil)
        // However many tokens arrive, the cache never holds more than its capacity.
        for index in 100..<200 {
            cache.insert("t\(index)", token(index))
            #expect(cache.count <= 8)
        }
    }

    @Test("known twins: lookup after insert, bounded")
    func knownTwinsBound() {
        let known = KnownTwins(capacity: 2)
        func record(_ id: String) -> TwinRecord { TwinRecord(id: id, publicKey: "k", userID: "u", metadata: [:], registeredAt: 1) }
        known.insert(record("a"))
        known.insert(record("b"))
        known.insert(record("a"))
        #expect(known.count == 2 && known.lookup("a")?.id == "a")
        known.insert(record("c"))
        #expect(known.count == 1 && known.lookup("c") != nil && known.lookup("a") == nil)
    }

    @Test("start-up warm-up loads registered twins page by page, blocked ones left out", arguments: Backend.available)
    func warmUp(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            for index in 0..<7 {
                let twin = TwinRecord(
                    id: "twin-\(index)", publicKey: NodeIdentity.generate().publicKeyHex, userID: "u", metadata: [:], registeredAt: 1_800_000_000_000)
                try await store.insertChallenge("c\(index)", expiresAt: 1_800_000_060_000, nowMs: 1_799_999_999_990)
                _ = try await store.register(twin, challenge: "c\(index)", nowMs: 1_800_000_000_000)
            }
            _ = try await store.setBlocked(twinID: "twin-3", blocked: true, nowMs: 1_800_000_000_001)
            let core = Fixture.core(store: store, clock: TestClock())
            #expect(core.knownTwins.count == 0)
            #expect(await core.warmKnownTwins(pageSize: 3) == 7)
            #expect(core.knownTwins.count == 6)
            #expect(core.knownTwins.lookup("twin-6")?.id == "twin-6" && core.knownTwins.lookup("twin-3") == nil)
        }
    }

    @Test("the store refuses an ingest for a blocked twin inside the transaction and stores nothing", arguments: Backend.available)
    func storeRefusesBlocked(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let key = NodeIdentity.generate()
            let twin = TwinRecord(id: "t1", publicKey: key.publicKeyHex, userID: "u", metadata: [:], registeredAt: 1_800_000_000_000)
            try await store.insertChallenge("c1", expiresAt: 1_800_000_060_000, nowMs: 1_799_999_999_990)
            _ = try await store.register(twin, challenge: "c1", nowMs: 1_800_000_000_000)
            let stamp = HLCTimestamp(physicalMs: 1_800_000_000_000, logical: 0, nodeID: key.nodeID)
            let envelope = try SignedEnvelope.sign(["a": "1"], kind: .pattern, stamp: stamp, identity: key)
            _ = try await store.setBlocked(twinID: "t1", blocked: true, nowMs: 1_800_000_000_001)
            let before = try await store.ledger.size()
            await #expect(throws: HiveError.self) {
                try await store.ingestWithReceipts([IngestItem(envelope: envelope)], twinID: "t1", rejected: 0, nowMs: 1_800_000_000_002)
            }
            await #expect(throws: HiveError.self) { try await store.ingest([], twinID: "t1", rejected: 0, nowMs: 1_800_000_000_002) }
            #expect(try await store.ledger.size() == before)
            #expect(try await store.twin(id: "t1")?.lastSyncAt == nil)
            _ = try await store.setBlocked(twinID: "t1", blocked: false, nowMs: 1_800_000_000_003)
            let report = try await store.ingestWithReceipts([IngestItem(envelope: envelope)], twinID: "t1", rejected: 0, nowMs: 1_800_000_000_004)
            #expect(report.outcomes == [.accepted])
            #expect(try await store.twin(id: "t1")?.acceptedCount == 1)
        }
    }

    @Test("a twin blocked after its first sync is refused on the next one (403) and its push is not stored", arguments: Backend.available)
    func blockedAfterCachedSync(backend: Backend) async throws {
        let clock = TestClock()
        try await Fixture.withStore(backend) { store in
            let core = Fixture.core(store: store, clock: clock)
            try await Fixture.application(core: core).test(.router) { client in
                let hub = HubClient(client: client)
                let twin = try await hub.register()
                let pull = try HubClient.json(try OmegaSyncRequest(type: .pull))
                #expect(try await hub.send(.post, "/api/v1/sync", token: twin.token, body: pull).status == .ok)
                #expect(core.knownTwins.lookup(twin.twinID) != nil)
                let block = try await hub.send(
                    .post, "/api/v1/twins/\(twin.twinID)/block", token: Fixture.adminSecret, body: ByteBuffer(string: "{\"blocked\":true}"))
                #expect(block.status == .ok)
                let envelope = try SignedEnvelope.sign(
                    try Fixture.pattern(id: "p-blocked", twin.identity, clock), kind: .pattern,
                    stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                let push = try HubClient.json(try OmegaSyncRequest(type: .push, envelopes: [envelope]))
                let refused = try await hub.send(.post, "/api/v1/sync", token: twin.token, body: push)
                try expectProblem(refused, .twinBlocked, hub)
                try expectProblem(try await hub.send(.post, "/api/v1/sync", token: twin.token, body: pull), .twinBlocked, hub)
                #expect(try await store.twin(id: twin.twinID)?.acceptedCount == 0)
                let unblock = try await hub.send(
                    .post, "/api/v1/twins/\(twin.twinID)/block", token: Fixture.adminSecret, body: ByteBuffer(string: "{\"blocked\":false}"))
                #expect(unblock.status == .ok)
                let accepted = try await hub.send(.post, "/api/v1/sync", token: twin.token, body: push)
                #expect(accepted.status == .ok)
                #expect(try hub.decode(OmegaSyncResponse.self, accepted).results.map(\.status) == [.accepted])
            }
        }
    }

    @Test("a pull from before many non-pullable feed events finds exactly the pullable ones after them", arguments: Backend.available)
    func feedByKind(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let now: Int64 = 1_800_000_000_000
            let key = NodeIdentity.generate()
            for index in 0..<300 {
                let id = index == 0 ? "t0" : "t\(index)"
                let record = TwinRecord(
                    id: id, publicKey: index == 0 ? key.publicKeyHex : NodeIdentity.generate().publicKeyHex, userID: "u\(index)",
                    metadata: [:], registeredAt: now)
                try await store.insertChallenge("c\(index)", expiresAt: now + 60_000, nowMs: now - 10)
                _ = try await store.register(record, challenge: "c\(index)", nowMs: now)
            }
            #expect(try await store.feed(after: 0, kinds: FeedEvent.Kind.pullable, twinID: nil, limit: 10).isEmpty)
            let trace = try Fixture.trace(id: "trace-1", intent: "plan a trip", instance: "t0")
            let stamp = HLCTimestamp(physicalMs: UInt64(now), logical: 0, nodeID: key.nodeID)
            let envelope = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: stamp, identity: key)
            _ = try await store.ingest([IngestItem(envelope: envelope, skill: trace)], twinID: "t0", rejected: 0, nowMs: now + 1)
            let all = try await store.feed(after: 0, kinds: nil, twinID: nil, limit: 1000)
            #expect(all.count == 301 && all.last?.kind == .skillPublished)
            let pulled = try await store.feed(after: 0, kinds: FeedEvent.Kind.pullable, twinID: nil, limit: 10)
            #expect(pulled.map(\.ref) == ["trace-1"] && pulled.first?.seq == all.last?.seq)
            #expect(try await store.feed(after: all[150].seq, kinds: [.skillPublished], twinID: nil, limit: 10).map(\.ref) == ["trace-1"])
            #expect(try await store.feed(after: pulled[0].seq, kinds: FeedEvent.Kind.pullable, twinID: nil, limit: 10).isEmpty)
        }
    }
}
