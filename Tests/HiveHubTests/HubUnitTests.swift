import Foundation
import HiveCore
import Testing

@testable import HiveHub

@Suite("Hub building blocks")
struct HubUnitTests {
    @Test("access tokens: issue, verify, expiry, forged signature, alg none, another hub's key")
    func accessTokens() throws {
        let hub = NodeIdentity.generate()
        let now: Int64 = 1_800_000_000_000
        let issued = try AccessToken.issue(twinID: "twin-1", nowMs: now, ttlSeconds: 900, identity: hub)
        #expect(issued.expiresAtMs == now + 900_000)
        let token = try AccessToken.verify(issued.token, nowMs: now + 899_000, hubPublicKey: hub.publicKey)
        #expect(token.twinID == "twin-1")
        #expect(throws: AccessToken.Expired.self) {
            try AccessToken.verify(issued.token, nowMs: now + 900_000, hubPublicKey: hub.publicKey)
        }
        #expect(throws: HiveError.self) {
            try AccessToken.verify(issued.token, nowMs: now, hubPublicKey: NodeIdentity.generate().publicKey)
        }
        var parts = issued.token.split(separator: ".").map(String.init)
        // Swap the claims for another twin's: the signature no longer verifies.
        let otherClaims = try AccessToken.issue(twinID: "twin-2", nowMs: now, ttlSeconds: 900, identity: hub).token
            .split(separator: ".").map(String.init)[1]
        parts[1] = otherClaims
        #expect(throws: HiveError.self) { try AccessToken.verify(parts.joined(separator: "."), nowMs: now, hubPublicKey: hub.publicKey) }
        let none = AccessToken.base64URL(Data("{\"alg\":\"none\",\"kid\":\"\(hub.nodeID)\",\"typ\":\"JWT\"}".utf8))
        let unsigned = none + "." + issued.token.split(separator: ".")[1] + "."
        #expect(throws: HiveError.self) { try AccessToken.verify(unsigned, nowMs: now, hubPublicKey: hub.publicKey) }
        #expect(throws: HiveError.self) { try AccessToken.verify("a.b", nowMs: now, hubPublicKey: hub.publicKey) }
    }

    @Test("hub identity: key and admin token created 0600 once, reused after, refused when readable by others")
    func identityFiles() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try HubIdentity.loadOrCreate(dataDirectory: directory)
        #expect(first.keyCreated && first.adminTokenCreated)
        let tokenPath = try #require(first.adminTokenPath)
        let mode = try FileManager.default.attributesOfItem(atPath: tokenPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let keyMode = try FileManager.default.attributesOfItem(atPath: directory + "/node.key")[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let second = try HubIdentity.loadOrCreate(dataDirectory: directory)
        #expect(!second.keyCreated && !second.adminTokenCreated)
        #expect(second.identity.publicKey == first.identity.publicKey)
        #expect(second.adminToken.matches(first.adminToken.value))
        #expect(!second.adminToken.matches(first.adminToken.value + "x"))
        #expect(!"\(second.adminToken)".contains(first.adminToken.value))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: tokenPath)
        #expect(throws: HiveError.self) { try HubIdentity.loadOrCreate(dataDirectory: directory) }
    }

    @Test("configuration files: defaults for missing keys, errors name the setting")
    func configuration() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/hive.json"
        try Data("{\"port\": 9000, \"rateLimitPerMinute\": 10}".utf8).write(to: URL(fileURLWithPath: good))
        let loaded = try HubConfiguration.load(path: good)
        #expect(loaded.port == 9000 && loaded.rateLimitPerMinute == 10 && loaded.maxBodyBytes == 1 << 20)
        let bad = directory + "/bad.json"
        try Data("{\"tokenTTLSeconds\": 3600}".utf8).write(to: URL(fileURLWithPath: bad))
        #expect { try HubConfiguration.load(path: bad) } throws: { ($0 as? HiveError)?.message.contains("tokenTTLSeconds") == true }
        let malformed = directory + "/malformed.json"
        try Data("{\"port\": \"x\"}".utf8).write(to: URL(fileURLWithPath: malformed))
        #expect { try HubConfiguration.load(path: malformed) } throws: { ($0 as? HiveError)?.message.contains("port") == true }
    }

    @Test("rate limiter: capacity per minute, continuous refill, independent keys")
    func rateLimiter() {
        let limiter = RateLimiter(perMinute: 60)
        for _ in 0..<60 { #expect(limiter.acquire("a", nowMs: 0) == nil) }
        #expect(limiter.acquire("a", nowMs: 0) == 1)
        #expect(limiter.acquire("b", nowMs: 0) == nil)
        #expect(limiter.acquire("a", nowMs: 1000) == nil)
        #expect(limiter.acquire("a", nowMs: 1000) != nil)
    }

    @Test("rate limiter: the table stays bounded; idle principals go first, then those closest to full, never the limited")
    func rateLimiterBound() {
        let limiter = RateLimiter(perMinute: 60, maxBuckets: 8)
        // "hot" has spent its whole minute; six more principals spend a little each.
        for _ in 0..<60 { #expect(limiter.acquire("hot", nowMs: 0) == nil) }
        #expect(limiter.acquire("hot", nowMs: 0) != nil)
        for index in 0..<6 {
            for _ in 0...index { _ = limiter.acquire("p\(index)", nowMs: 0) }
        }
        _ = limiter.acquire("idle", nowMs: -120_000)  // refilled by now: a full bucket
        #expect(limiter.count == 8)
        // A ninth principal cuts the table to 6: the idle one and the one closest to full (p0) go.
        #expect(limiter.acquire("new", nowMs: 0) == nil)
        #expect(limiter.count == 7)
        #expect(limiter.acquire("p1", nowMs: 0) == nil && limiter.count == 7, "p1 is still tracked")
        #expect(limiter.acquire("hot", nowMs: 0) != nil, "the limited principal is still limited")
        // Thousands of principals later the table is still bounded.
        for index in 0..<5_000 { _ = limiter.acquire("k\(index)", nowMs: 0) }
        #expect(limiter.count <= 8)
        #expect(limiter.acquire("hot", nowMs: 0) != nil, "the emptiest bucket survives every cut")
    }

    @Test("lexical ranking: word overlap, threshold, order")
    func lexical() throws {
        #expect(LexicalSkillRanker.words("Find a Thriller, tonight!") == ["find", "a", "thriller", "tonight"])
        #expect(LexicalSkillRanker.similarity(["a", "b"], ["a", "b"]) == 1)
        #expect(LexicalSkillRanker.similarity(["a"], ["b"]) == 0)
        #expect(throws: HiveError.self) { try LexicalSkillRanker().rank(intent: "!!!", candidates: [], threshold: 0, limit: 1) }
    }

    @Test("model rows travel as base64 float32 and refuse non-finite values or bad lengths")
    func modelRows() throws {
        let vector: [Float] = [0, -1.5, 3.25, .leastNonzeroMagnitude]
        #expect(ModelRowsDelta.decodeVector(ModelRowsDelta.encodeVector(vector)) == vector)
        #expect(ModelRowsDelta.decodeVector(ModelRowsDelta.encodeVector([.nan])) == nil)
        #expect(ModelRowsDelta.decodeVector("AAA=") == nil)
        #expect(throws: HiveError.self) { try ModelRowsDelta(version: 1, dimension: 2, rows: [.init(item: "x", vector: [1])]) }
        let json = "{\"version\":1,\"dimension\":2,\"rows\":[{\"item\":\"x\",\"vector\":\"AACAPw==\"}]}"
        #expect { try HiveJSON.decode(ModelRowsDelta.self, from: Array(json.utf8)) } throws: {
            ($0 as? HiveError)?.message.contains("dimension") == true
        }
    }

    @Test("sync requests validate counts and ranges on decode, naming the field")
    func syncRequestValidation() throws {
        #expect(throws: HiveError.self) { try OmegaSyncRequest(type: .pull, maxPullCount: 0) }
        #expect { try HiveJSON.decode(OmegaSyncRequest.self, from: Array("{\"type\":\"pull\",\"since\":-3}".utf8)) } throws: {
            ($0 as? HiveError)?.message.contains("since") == true
        }
        #expect { try HiveJSON.decode(OmegaSyncRequest.self, from: Array("{\"type\":\"sideways\",\"since\":0}".utf8)) } throws: {
            ($0 as? HiveError)?.message.contains("type") == true
        }
        let request = try OmegaSyncRequest(type: .full, since: 4, maxPullCount: 7)
        #expect(try HiveJSON.decode(OmegaSyncRequest.self, from: HiveJSON.encode(request)) == request)
    }
}
