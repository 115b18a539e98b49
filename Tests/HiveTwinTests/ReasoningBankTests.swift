import Foundation
import GRDB
import HiveCore
import Testing
@testable import HiveTwin

@Suite("ReasoningBank")
struct ReasoningBankTests {
    static let space = try! EmbeddingSpace(modelID: "test/random-32", dimensions: 32)

    static func draft(_ i: Int) -> PatternDraft {
        PatternDraft(
            taskType: Pattern.TaskType.allCases[i % 4], approach: "approach \(i)",
            tags: i % 3 == 0 ? ["thriller", "evening"] : ["comedy"],
            context: Pattern.Context(genres: ["g\(i % 5)"], mood: "calm"),
            alpha: Double(1 + i % 10), beta: Double(1 + (i / 10) % 10), origin: i % 2 == 0 ? .local : .global)
    }

    @Test("filtered search returns the exact best matches among the patterns that pass the filter")
    func searchMatchesBruteForce() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        let bank = try ReasoningBank(store: store, space: Self.space)
        var rng = SeededGenerator(seed: 7)
        let vectors = (0..<400).map { _ in rng.vector(32) }
        let stored = try bank.storePatterns((0..<400).map { (Self.draft($0), vectors[$0]) })
        let filter = PatternFilter(minSuccessRate: 0.5, taskType: .preference, tags: ["thriller"], origin: .local)
        for _ in 0..<10 {
            let query = rng.vector(32)
            let got = try bank.searchPatterns(vector: query, k: 5, filter: filter)
            let decoded = try vectors.map { try EmbeddingCodec.decode(EmbeddingCodec.encode($0), dimensions: 32) }
            let expected = stored.indices
                .filter { i in
                    let p = stored[i]
                    return p.successRate >= 0.5 && p.taskType == .preference && p.tags.contains("thriller") && p.origin == .local
                }
                .sorted { cosine(query, decoded[$0]) > cosine(query, decoded[$1]) }
                .prefix(5).map { stored[$0].id }
            #expect(got.map(\.pattern.id) == Array(expected))
            #expect(!got.isEmpty)
            for match in got { #expect(abs(match.similarity - cosine(query, decoded[stored.firstIndex { $0.id == match.pattern.id }!])) < 1e-3) }
        }
        // int8 storage keeps cosine close to the f32 original.
        for v in vectors.prefix(20) {
            #expect(cosine(v, try EmbeddingCodec.decode(EmbeddingCodec.encode(v), dimensions: 32)) > 0.99)
        }
    }

    @Test("recordOutcome adds Beta evidence; unknown ids and bad input throw specific errors and write nothing")
    func outcomesAndBadInput() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        let bank = try ReasoningBank(store: store, space: Self.space)
        var rng = SeededGenerator(seed: 1)
        let pattern = try bank.storePattern(PatternDraft(taskType: .preference, approach: "late-night thrillers"), vector: rng.vector(32))
        var updated = try bank.recordOutcome(patternID: pattern.id, success: true)
        updated = try bank.recordOutcome(patternID: pattern.id, success: true)
        updated = try bank.recordOutcome(patternID: pattern.id, success: false)
        #expect(updated.alpha == 3 && updated.beta == 2)
        #expect(updated.stamp > pattern.stamp)
        #expect(try bank.pattern(id: pattern.id) == updated)
        #expect(try bank.searchPatterns(vector: rng.vector(32), k: 1, filter: PatternFilter(minSuccessRate: 0.6)).first?.pattern.id == pattern.id)
        #expect(try bank.searchPatterns(vector: rng.vector(32), k: 1, filter: PatternFilter(minSuccessRate: 0.61)).isEmpty)

        #expect { try bank.recordOutcome(patternID: "nope", success: true) } throws: { ($0 as? HiveError)?.code == .notFound }
        var nan = rng.vector(32)
        nan[3] = .nan
        let cases: [(PatternDraft, [Float], HiveError.Code)] = [
            (PatternDraft(taskType: .behavior, approach: "x"), nan, .invalidInput),
            (PatternDraft(taskType: .behavior, approach: "x"), rng.vector(31), .dimensionMismatch),
            (PatternDraft(taskType: .behavior, approach: "x"), [Float](repeating: 0, count: 32), .invalidInput),
            (PatternDraft(taskType: .behavior, approach: String(repeating: "a", count: 70_000)), rng.vector(32), .invalidInput),
            (PatternDraft(taskType: .behavior, approach: "x", alpha: .nan), rng.vector(32), .invalidInput),
            (PatternDraft(taskType: .behavior, approach: "x", beta: 0.5), rng.vector(32), .invalidInput),
        ]
        for (draft, vector, code) in cases {
            // A good pattern first in the same batch: the whole batch must be refused.
            #expect { try bank.storePatterns([(PatternDraft(taskType: .behavior, approach: "ok"), rng.vector(32)), (draft, vector)]) } throws: {
                ($0 as? HiveError)?.code == code
            }
        }
        #expect(try bank.count() == 1)
        #expect { try bank.searchPatterns(vector: rng.vector(32), k: 0) } throws: { ($0 as? HiveError)?.code == .invalidInput }
        #expect { try bank.searchPatterns(vector: rng.vector(32), k: 3, filter: PatternFilter(minSuccessRate: .nan)) } throws: {
            ($0 as? HiveError)?.code == .invalidInput
        }
        #expect(try bank.verifyIndex().isEmpty)
    }

    @Test("TTL hides expired patterns at once and the sweep deletes them from table and index")
    func ttl() throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let store = try Fixtures.open(dir, clock: clock)
        let bank = try ReasoningBank(store: store, space: Self.space)
        var rng = SeededGenerator(seed: 3)
        let query = rng.vector(32)
        let shortLived = try bank.storePattern(PatternDraft(taskType: .discovery, approach: "short"), vector: query, ttlMs: 60_000)
        let kept = try bank.storePattern(PatternDraft(taskType: .discovery, approach: "kept"), vector: rng.vector(32))
        #expect(try bank.searchPatterns(vector: query, k: 1).first?.pattern.id == shortLived.id)
        clock.advance(60_001)
        #expect(try bank.searchPatterns(vector: query, k: 2).map(\.pattern.id) == [kept.id])
        #expect(try bank.sweepExpired() == 1)
        #expect(try bank.count() == 1)
        #expect(try bank.verifyIndex().isEmpty)
    }

    @Test("the index is rebuilt from the table on open; another embedding model is refused or re-embedded")
    func derivedIndexAndModelGuard() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        var rng = SeededGenerator(seed: 11)
        let vectors = (0..<50).map { _ in rng.vector(32) }
        do {
            let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space)
            try bank.storePatterns((0..<50).map { (Self.draft($0), vectors[$0]) })
        }
        let store = try Fixtures.open(dir, identity: identity)
        let reopened = try ReasoningBank(store: store, space: Self.space)
        #expect(try reopened.verifyIndex().isEmpty)
        #expect(try reopened.searchPatterns(vector: vectors[17], k: 1).first?.pattern.approach == "approach 17")

        let other = try EmbeddingSpace(modelID: "test/other-16", dimensions: 16)
        #expect { try ReasoningBank(store: store, space: other) } throws: { error in
            guard let error = error as? HiveError else { return false }
            return error.code == .inconsistent && error.message.contains("test/random-32") && error.message.contains("test/other-16")
        }
        let reembedded = try ReasoningBank(
            store: store, space: other,
            onModelMismatch: .reembed { text in
                var g = SeededGenerator(seed: UInt64(text.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
                return g.vector(16)
            })
        #expect(try reembedded.count() == 50)
        #expect(try reembedded.verifyIndex().isEmpty)
        _ = try ReasoningBank(store: store, space: other)  // now recorded as the new model
    }

    @Test("a shared pattern and its envelope are written in one transaction; export picks proven local patterns")
    func outboxAndExport() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        let bank = try ReasoningBank(store: store, space: Self.space)
        let outbox = OfflineEnvelopeStore(store: store)
        var rng = SeededGenerator(seed: 5)
        let shared = try bank.storePattern(
            PatternDraft(taskType: .recommendation, approach: "Similar to recent 5-star rated content", alpha: 10, beta: 2),
            vector: rng.vector(32), outbox: outbox)
        _ = try bank.storePattern(PatternDraft(taskType: .recommendation, approach: "weak", alpha: 2, beta: 9), vector: rng.vector(32))
        _ = try bank.storePattern(
            PatternDraft(taskType: .recommendation, approach: "from hub", alpha: 10, beta: 1, origin: .global), vector: rng.vector(32))
        let pending = try outbox.pending()
        #expect(pending.count == 1)
        let envelope = try #require(pending.first?.envelope)
        try envelope.verify()
        #expect(envelope.kind == .pattern)
        #expect(try envelope.decodePayload(as: Pattern.self) == shared)
        #expect(try bank.export(minQuality: 0.7).map(\.id) == [shared.id])
    }

    @Test("a persisted HNSW index is loaded only when its checksum verifies and no write happened since")
    func persistedHNSW() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        var rng = SeededGenerator(seed: 21)
        let vectors = (0..<120).map { _ in rng.vector(32) }
        let kind = ReasoningBank.IndexKind.hnsw(m: 8, efConstruction: 64, efSearch: 64)
        do {
            let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space, index: kind)
            #expect(bank.indexOrigin == "rebuilt")
            try bank.storePatterns((0..<100).map { (Self.draft($0), vectors[$0]) })
            try bank.saveIndex()
        }
        do {
            let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space, index: kind)
            #expect(bank.indexOrigin == "loaded")
            #expect(try bank.verifyIndex().isEmpty)
            // Written after the save (as if the app died before saving again): the file is stale.
            try bank.storePatterns((100..<120).map { (Self.draft($0), vectors[$0]) })
        }
        do {
            let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space, index: kind)
            #expect(bank.indexOrigin == "rebuilt")
            #expect(try bank.count() == 120)
            #expect(try bank.verifyIndex().isEmpty)
        }
        // A corrupted file fails its checksum and is rebuilt, never trusted.
        let path = dir.file("twin.sqlite.patterns.hnsw")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space, index: kind)
        #expect(bank.indexOrigin == "rebuilt")
        #expect(try bank.verifyIndex().isEmpty)
        #expect(try bank.searchPatterns(vector: vectors[110], k: 1).first?.pattern.approach == "approach 110")
    }
}
