import Foundation
import HiveCore
import HiveEmbeddings
import HiveLedger
import Synchronization
import Testing

@testable import HiveHub

/// The hub's hot paths made fast for issue 12: group commit of concurrent ingests, the in-memory
/// skill index, the verified-token cache and base64url.
@Suite("Hub scale paths")
struct ScaleTests {
    static let now: Int64 = 1_800_000_000_000

    // MARK: Group commit

    struct Boom: Error {}

    /// A value shared by concurrent test tasks (a class, so closures capture a reference).
    final class Shared<Value: Sendable>: Sendable {
        private let value: Mutex<Value>
        init(_ value: Value) { self.value = Mutex(value) }
        func update<R: Sendable>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
        var current: Value { value.withLock { $0 } }
    }

    @Test("group commit: every caller gets its own answer, per-request failures stay per request, batches form under concurrency")
    func groupCommit() async throws {
        let batches = Shared<[Int]>([])
        let commit = GroupCommit<Int, Int>(maxBatch: 8) { requests in
            batches.update { $0.append(requests.count) }
            try await Task.sleep(for: .milliseconds(2))
            return requests.map { value -> Result<Int, any Error> in value % 7 == 3 ? .failure(Boom()) : .success(value * 10) }
        }
        try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
            for value in 0..<200 {
                group.addTask {
                    do { return (value, try await commit.submit(value)) } catch is Boom { return (value, nil) }
                }
            }
            for try await (value, answer) in group {
                #expect(answer == (value % 7 == 3 ? nil : value * 10))
            }
        }
        let sizes = batches.current
        #expect(sizes.reduce(0, +) == 200)
        #expect(sizes.allSatisfy { (1...8).contains($0) })
        #expect(sizes.count < 200, "concurrent submits should share batches")
    }

    @Test("group commit: a batch stays within its weight limit (beyond its leader's own request)")
    func groupCommitWeight() async throws {
        let batches = Shared<[[Int]]>([])
        let commit = GroupCommit<Int, Int>(maxBatch: 100, maxWeight: 10, weight: { $0 }) { requests in
            batches.update { $0.append(requests) }
            try await Task.sleep(for: .milliseconds(2))
            return requests.map { Result<Int, any Error>.success($0) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for value in 0..<60 {
                group.addTask {
                    let answer = try await commit.submit(value % 12 + 1)
                    #expect(answer == value % 12 + 1)
                }
            }
            try await group.waitForAll()
        }
        for batch in batches.current {
            #expect(batch.count == 1 || batch.reduce(0, +) <= 10)
        }
    }

    @Test("group commit with two batches in flight: never more than two at once, two do overlap, every caller answered after its batch")
    func groupCommitPipelined() async throws {
        // (batches running now, most ever running at once, batches run, answers given before their batch finished)
        let stats = Shared((running: 0, peak: 0, batches: 0))
        let finished = Shared(Set<Int>())
        let commit = GroupCommit<Int, Int>(maxBatch: 8, maxInFlight: 2) { requests in
            stats.update { stats in
                stats.running += 1
                stats.peak = max(stats.peak, stats.running)
                stats.batches += 1
            }
            try await Task.sleep(for: .milliseconds(3))
            stats.update { $0.running -= 1 }
            finished.update { done in for value in requests { done.insert(value) } }
            return requests.map { value -> Result<Int, any Error> in value % 5 == 2 ? .failure(Boom()) : .success(value + 1) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for value in 0..<300 {
                group.addTask {
                    do {
                        let answer = try await commit.submit(value)
                        #expect(answer == value + 1 && value % 5 != 2)
                    } catch is Boom {
                        #expect(value % 5 == 2)
                    }
                    // The answer (or failure) comes only once the batch holding the request is done.
                    #expect(finished.current.contains(value))
                }
            }
            try await group.waitForAll()
        }
        let final = stats.current
        #expect(final.peak == 2, "two batches should overlap under 300 concurrent submits, never three")
        #expect(final.running == 0)
        #expect(final.batches < 300, "concurrent submits should still share batches")
        #expect(finished.current.count == 300)
        // Leadership is released: a lone request afterwards is written at once.
        #expect(try await commit.submit(1000) == 1001)
    }

    @Test("group commit: a batch that fails as a whole fails each of its callers, and the next batch still runs")
    func groupCommitFailure() async throws {
        let calls = Shared(0)
        let commit = GroupCommit<Int, Int>(maxBatch: 4) { requests in
            let call = calls.update { value -> Int in
                value += 1
                return value
            }
            if call == 1 { throw Boom() }
            return requests.map { Result<Int, any Error>.success($0) }
        }
        await #expect(throws: Boom.self) { try await commit.submit(1) }
        #expect(try await commit.submit(2) == 2)
    }

    @Test("concurrent ingests on one store: every envelope stored once, receipts verify against one signed head per batch",
          arguments: Backend.available)
    func concurrentIngest(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let keys = (0..<12).map { _ in NodeIdentity.generate() }
            for (index, key) in keys.enumerated() { try await HubStoreTests.register(store, HubStoreTests.twin("t\(index)", key: key)) }
            let clock = TestClock(Self.now)
            var envelopes: [(Int, SignedEnvelope)] = []
            for (index, key) in keys.enumerated() {
                for n in 0..<4 {
                    let pattern = try Fixture.pattern(id: "p\(index)-\(n)", key, clock)
                    envelopes.append((index, try SignedEnvelope.sign(pattern, kind: .pattern, stamp: Fixture.stamp(key, clock), identity: key)))
                }
            }
            let reports = try await withThrowingTaskGroup(of: (SignedEnvelope, IngestReport).self) { group in
                for (index, envelope) in envelopes + envelopes.prefix(6) {  // six replays race their originals
                    group.addTask {
                        (envelope, try await store.ingestWithReceipts([IngestItem(envelope: envelope)], twinID: "t\(index)", rejected: 0, nowMs: Self.now))
                    }
                }
                var all: [(SignedEnvelope, IngestReport)] = []
                for try await report in group { all.append(report) }
                return all
            }
            let accepted = reports.filter { $0.1.outcomes == [.accepted] }
            #expect(accepted.count == envelopes.count)
            #expect(Set(accepted.map(\.0.id)).count == envelopes.count)
            #expect(reports.count - accepted.count == 6)
            for (envelope, report) in accepted {
                let receipt = try #require(report.receipts.first ?? nil)
                let twin = envelopes.first { $0.1.id == envelope.id }?.0 ?? -1
                try receipt.check(entry: try HubLedgerEntry.envelope(envelope, twinID: "t\(twin)").encoded(), publicKey: Fixture.hubKey.publicKey)
            }
            #expect(try await store.ledger.size() == UInt64(envelopes.count))
            for index in keys.indices {
                #expect(try await store.twin(id: "t\(index)")?.acceptedCount == 4)
            }
        }
    }

    // MARK: Skill index

    final class Adapter: SkillEmbedder {
        let embedder: any Embedder
        let calls = Shared(0)
        init(embedder: any Embedder) { self.embedder = embedder }
        var modelID: String { embedder.modelID }
        func embed(_ texts: [String]) -> [[Float]] {
            calls.update { $0 += texts.count }
            return embedder.embed(texts)
        }
    }

    @Test("semantic index: incremental and idempotent adds, evicts the oldest, embeds each distinct text once")
    func semanticIndex() throws {
        let adapter = Adapter(embedder: try HashingEmbedder())
        let ranker = SemanticSkillRanker(embedder: adapter)
        let index = ranker.makeIndex(capacity: 3)
        #expect(try index.search(intent: "anything", threshold: 0, limit: 5).isEmpty)
        try index.add([
            SkillIntent(seq: 1, traceID: "sink", intent: "repair the leaking kitchen sink"),
            SkillIntent(seq: 2, traceID: "comedy", intent: "recommend a comedy film for a rainy evening"),
        ])
        try index.add([SkillIntent(seq: 2, traceID: "comedy", intent: "recommend a comedy film for a rainy evening")])
        #expect(index.count == 2 && index.lastSeq == 2)
        let hits = try index.search(intent: "a comedy film for this evening", threshold: 0.2, limit: 10)
        #expect(hits.first?.traceID == "comedy")
        #expect(!hits.contains { $0.traceID == "sink" })
        #expect(hits.allSatisfy { (0...1).contains($0.score) })
        let callsBefore = adapter.calls.current
        _ = try index.search(intent: "a comedy film for this evening", threshold: 0.2, limit: 10)
        #expect(adapter.calls.current == callsBefore, "a repeated query is a cache hit")
        try index.add([
            SkillIntent(seq: 3, traceID: "comedy-2", intent: "recommend a comedy film for a rainy evening"),
            SkillIntent(seq: 4, traceID: "thriller", intent: "recommend a thriller series"),
        ])
        #expect(index.count == 3)
        #expect(adapter.calls.current == callsBefore + 1, "a known intent is not embedded again")
        let after = try index.search(intent: "repair the leaking kitchen sink", threshold: 0.99, limit: 10)
        #expect(after.isEmpty, "the oldest trace was evicted")
        // Ties (the same intent) rank older first.
        let ties = try index.search(intent: "recommend a comedy film for a rainy evening", threshold: 0.99, limit: 1)
        #expect(ties.map(\.traceID) == ["comedy"])
    }

    @Test("lexical index: word overlap, threshold, limit; an intent without words is refused")
    func lexicalIndex() throws {
        let index = LexicalSkillRanker().makeIndex(capacity: 10)
        try index.add([
            SkillIntent(seq: 1, traceID: "a", intent: "find a thriller tonight"),
            SkillIntent(seq: 2, traceID: "b", intent: "cook pasta"),
        ])
        #expect(try index.search(intent: "thriller tonight", threshold: 0.1, limit: 5).map(\.traceID) == ["a"])
        #expect(try index.search(intent: "quantum", threshold: 0.1, limit: 5).isEmpty)
        #expect(throws: HiveError.self) { try index.search(intent: "!!!", threshold: 0, limit: 5) }
    }

    @Test("lexical index: the inverted index answers exactly as a full scan (scores, order, ties) across evictions and compactions")
    func lexicalIndexMatchesScan() throws {
        var generator = SeededGenerator(seed: 12)
        let vocabulary = ["find", "a", "thriller", "tonight", "cook", "pasta", "plan", "hike", "for", "rainy", "evening", "jazz", "q1", "q2"]
        func phrase() -> String {
            (0..<Int.random(in: 1...6, using: &generator)).map { _ in vocabulary.randomElement(using: &generator)! }.joined(separator: " ")
        }
        let capacity = 1500
        let index = LexicalSkillRanker().makeIndex(capacity: capacity)
        var all: [SkillIntent] = []
        var seq: Int64 = 0
        for _ in 0..<6 {
            let batch = (0..<800).map { _ -> SkillIntent in
                seq += 1
                return SkillIntent(seq: seq, traceID: "t\(seq)", intent: phrase())
            }
            try index.add(batch)
            all += batch
            let live = all.suffix(capacity)
            #expect(index.count == live.count)
            for _ in 0..<25 {
                let query = phrase() + " unknownword"
                let threshold = [0.0, 0.1, 0.4, 0.7][Int.random(in: 0..<4, using: &generator)]
                let limit = [1, 3, 10, 50][Int.random(in: 0..<4, using: &generator)]
                let words = LexicalSkillRanker.words(query)
                var scored: [ScoredTrace] = []
                for trace in live {
                    let score = LexicalSkillRanker.similarity(words, LexicalSkillRanker.words(trace.intent))
                    if score > 0, score >= threshold { scored.append(ScoredTrace(traceID: trace.traceID, seq: trace.seq, score: score)) }
                }
                scored.sort { (a: ScoredTrace, b: ScoredTrace) -> Bool in a.score != b.score ? a.score > b.score : a.seq < b.seq }
                let expected = Array(scored.prefix(limit))
                let got = try index.search(intent: query, threshold: threshold, limit: limit)
                #expect(got == expected)
            }
        }
    }

    @Test("skill answers: the assembled JSON decodes as the SkillSearch shape; a hit's JSON is encoded once")
    func skillAnswerJSON() throws {
        let key = NodeIdentity.generate()
        let clock = TestClock(Self.now)
        let cache = SkillAnswerCache(capacity: 4, method: "lexical", note: "a \"quoted\" note", threshold: 0.1)
        let records = try (1...3).map { n -> SkillRecord in
            let trace = try Fixture.trace(id: "s\(n)", intent: "plan a hike \(n)", instance: "t1")
            let envelope = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: Fixture.stamp(key, clock), identity: key)
            return SkillRecord(traceID: trace.traceID, twinID: "t1", intent: trace.intent, envelope: envelope, trace: trace, createdAt: Self.now)
        }
        _ = try cache.store(records)
        let hits = [ScoredTrace(traceID: "s2", seq: 2, score: 1), ScoredTrace(traceID: "gone", seq: 9, score: 0.9),
                    ScoredTrace(traceID: "s1", seq: 1, score: 0.123456789)]
        let fragments = cache.lookup(hits.map(\.traceID))
        #expect(fragments.map { $0 != nil } == [true, false, true])
        let answer = try HiveJSON.decode(HubAPI.SkillSearch.self, from: Data(cache.answer(hits, fragments)))
        #expect(answer.method == "lexical" && answer.note == "a \"quoted\" note" && answer.threshold == 0.1)
        #expect(answer.skills.map(\.trace.traceID) == ["s2", "s1"])
        #expect(answer.skills.map(\.score) == [1, 0.123456789])
        #expect(answer.skills.allSatisfy { $0.instanceID == "t1" })
        #expect(answer.skills[0].envelope == records[1].envelope)
        #expect(try answer.skills[1].envelope.decodePayload(as: SkillTrace.self) == records[0].trace)
        let empty = try HiveJSON.decode(HubAPI.SkillSearch.self, from: Data(cache.answer([], [])))
        #expect(empty.skills.isEmpty)
        // Over capacity, the least recently used half goes.
        _ = try cache.store(try (4...6).map { n in
            let trace = try Fixture.trace(id: "s\(n)", intent: "x", instance: "t1")
            let envelope = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: Fixture.stamp(key, clock), identity: key)
            return SkillRecord(traceID: trace.traceID, twinID: "t1", intent: "x", envelope: envelope, trace: trace, createdAt: Self.now)
        })
        #expect(cache.count <= 4)
    }

    @Test("store: skill intents after a feed position and records by trace id", arguments: Backend.available)
    func storeSkillReads(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let key = NodeIdentity.generate()
            try await HubStoreTests.register(store, HubStoreTests.twin("t1", key: key))
            let clock = TestClock(Self.now)
            for (id, intent) in [("s1", "find a thriller"), ("s2", "cook pasta"), ("s3", "plan a hike")] {
                let trace = try Fixture.trace(id: id, intent: intent, instance: "t1")
                let envelope = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: Fixture.stamp(key, clock), identity: key)
                _ = try await store.ingest([IngestItem(envelope: envelope, skill: trace)], twinID: "t1", rejected: 0, nowMs: Self.now)
            }
            let all = try await store.skillIntents(afterSeq: 0, limit: 10)
            #expect(all.map(\.traceID) == ["s1", "s2", "s3"])
            #expect(all.map(\.intent) == ["find a thriller", "cook pasta", "plan a hike"])
            #expect(all.map(\.seq) == all.map(\.seq).sorted())
            #expect(try await store.skillIntents(afterSeq: all[0].seq, limit: 1).map(\.traceID) == ["s2"])
            #expect(try await store.skillIntents(afterSeq: all[2].seq, limit: 10).isEmpty)
            let records = try await store.skills(traceIDs: ["s3", "nope", "s1"])
            #expect(Set(records.map(\.traceID)) == ["s1", "s3"])
            #expect(records.allSatisfy { $0.trace.traceID == $0.traceID })
            #expect(try await store.skills(traceIDs: []).isEmpty)
        }
    }

    // MARK: Tokens

    @Test("tokens: a verified token is accepted again without re-verification until it expires; a sync hands back a still-fresh token and a new one after a quarter of its lifetime")
    func tokenReuse() async throws {
        try await Fixture.withStore(.sqlite) { store in
            let clock = TestClock(Self.now)
            let core = Fixture.core(store: store, clock: clock, configure: { $0.tokenTTLSeconds = 400 })
            let key = NodeIdentity.generate()
            let challenge = try await core.challenge()
            let registered = try await core.register(
                try Registration.Request.signed(identity: key, userID: "u", metadata: [:], challenge: challenge.challenge))
            let twin = try await core.authenticate(bearer: registered.accessToken)
            #expect(core.verifiedTokens.lookup(registered.accessToken)?.twinID == twin.id)
            #expect(try await core.authenticate(bearer: registered.accessToken).id == twin.id)
            // A forged token (one character of the signature changed) is refused, cache or not.
            var forged = Array(registered.accessToken)
            forged[forged.count - 2] = forged[forged.count - 2] == "A" ? "B" : "A"
            await #expect(throws: Problem.self) { try await core.authenticate(bearer: String(forged)) }
            let pull = try OmegaSyncRequest(type: .pull)
            let first = try await core.syncWithReceipts(pull, twin: twin, presentedToken: registered.accessToken).response
            #expect(first.accessToken == registered.accessToken, "a fresh token comes back as is")
            clock.advance(ms: 101_000)  // past a quarter of 400 s
            let second = try await core.syncWithReceipts(pull, twin: twin, presentedToken: registered.accessToken).response
            #expect(second.accessToken != registered.accessToken)
            #expect(second.accessTokenExpiresAt == (clock.now / 1000 + 400) * 1000)
            // The replaced token leaves the cache (one entry per twin) but stays valid: it verifies again.
            #expect(core.verifiedTokens.lookup(registered.accessToken) == nil)
            #expect(core.verifiedTokens.lookup(second.accessToken)?.twinID == twin.id)
            #expect(try await core.authenticate(bearer: registered.accessToken).id == twin.id)
            // Another twin's token is never handed back.
            let third = try await core.syncWithReceipts(pull, twin: twin, presentedToken: "not-a-token").response
            #expect(third.accessToken != "not-a-token")
            clock.advance(ms: 300_000)  // the first token has expired; the cached entry must not revive it
            await #expect(throws: Problem.self) { try await core.authenticate(bearer: registered.accessToken) }
        }
    }

    @Test("base64url: round trips every length, refuses padding, foreign characters and a 1-character tail")
    func base64URL() {
        for length in 0..<40 {
            let data = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            let text = AccessToken.base64URL(data)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(text == data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
            #expect(AccessToken.decodeBase64URL(Substring(text)) == data)
        }
        #expect(AccessToken.decodeBase64URL("QQ==") == nil)
        #expect(AccessToken.decodeBase64URL("Q+/A") == nil)
        #expect(AccessToken.decodeBase64URL("QUJDR") == nil)
        #expect(AccessToken.decodeBase64URL("QR") == nil, "non-zero padding bits")
    }
}
