import HiveCore
import Synchronization

/// What the hub needs from an embedding model (HiveEmbeddings' `Embedder` provides it).
public protocol SkillEmbedder: Sendable {
    /// Model name plus weights hash, reported in responses.
    var modelID: String { get }
    /// One vector per text, in order.
    func embed(_ texts: [String]) -> [[Float]]
}

/// Ranks skill traces by cosine similarity between the query intent's embedding and each trace
/// intent's embedding. Trace embeddings are computed once per trace id and cached (bounded).
public final class SemanticSkillRanker: SkillRanker {
    public let method = "semantic"
    public let note: String
    private let embedder: any SkillEmbedder
    private let cache = Mutex<[String: [Float]]>([:])
    private let maxCached: Int

    public init(embedder: any SkillEmbedder, maxCached: Int = 100_000) {
        self.embedder = embedder
        self.maxCached = maxCached
        self.note = "ranked by cosine similarity of intent embeddings (\(embedder.modelID))"
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot: Double = 0
        var normA: Double = 0
        var normB: Double = 0
        for index in a.indices {
            let x = Double(a[index])
            let y = Double(b[index])
            dot += x * y
            normA += x * x
            normB += y * y
        }
        guard normA > 0, normB > 0 else { return 0 }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }

    public func rank(intent: String, candidates: [SkillRecord], threshold: Double, limit: Int) throws -> [RankedSkill] {
        let missing = cache.withLock { cache in candidates.filter { cache[$0.traceID] == nil } }
        var fresh: [String: [Float]] = [:]
        if !missing.isEmpty {
            let vectors = embedder.embed(missing.map(\.intent))
            guard vectors.count == missing.count else {
                throw HiveError(.inconsistent, "embedder returned \(vectors.count) vectors for \(missing.count) texts")
            }
            for (record, vector) in zip(missing, vectors) { fresh[record.traceID] = vector }
        }
        guard let query = embedder.embed([intent]).first, query.allSatisfy(\.isFinite) else {
            throw HiveError(.inconsistent, "embedder returned no vector for the intent")
        }
        let vectors = cache.withLock { cache -> [String: [Float]] in
            if cache.count + fresh.count > maxCached { cache.removeAll(keepingCapacity: true) }
            cache.merge(fresh) { _, new in new }
            var lookup: [String: [Float]] = [:]
            for record in candidates { lookup[record.traceID] = cache[record.traceID] ?? fresh[record.traceID] }
            return lookup
        }
        var ranked: [RankedSkill] = []
        for record in candidates {
            guard let vector = vectors[record.traceID] else { continue }
            let score = Self.cosine(query, vector)
            if score >= threshold { ranked.append(RankedSkill(record: record, score: min(1, max(0, score)))) }
        }
        ranked.sort { left, right in
            left.score != right.score ? left.score > right.score : left.record.traceID < right.record.traceID
        }
        return Array(ranked.prefix(limit))
    }
}
