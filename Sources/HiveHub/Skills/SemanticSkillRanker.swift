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
/// intent's embedding. Trace vectors live in a ``SemanticSkillIndex`` (an exact flat index,
/// computed once per trace); embeddings of recent texts (queries and intents) are cached.
public final class SemanticSkillRanker: SkillRanker {
    public let method = "semantic"
    public let note: String
    private let embedder: any SkillEmbedder
    private let cache: EmbeddingCache

    /// `maxCached`: distinct texts whose embeddings are kept.
    public init(embedder: any SkillEmbedder, maxCached: Int = 4096) {
        self.embedder = embedder
        self.cache = EmbeddingCache(capacity: maxCached)
        self.note = "ranked by cosine similarity of intent embeddings (\(embedder.modelID))"
    }

    public func makeIndex(capacity: Int) -> any SkillIndex {
        SemanticSkillIndex(ranker: self, capacity: capacity)
    }

    /// Texts cached right now (for tests and metrics).
    var cachedTexts: Int { cache.count }

    /// One finite vector per text, all of one dimension; misses are embedded in one batch (each
    /// distinct text once) and cached.
    func embed(_ texts: [String]) throws -> [[Float]] {
        var vectors = cache.lookup(texts)
        var missing: [String] = []
        var seen = Set<String>()
        for (text, vector) in zip(texts, vectors) where vector == nil && seen.insert(text).inserted {
            missing.append(text)
        }
        if !missing.isEmpty {
            let fresh = embedder.embed(missing)
            guard fresh.count == missing.count else {
                throw HiveError(.inconsistent, "embedder returned \(fresh.count) vectors for \(missing.count) texts")
            }
            guard let dimension = fresh.first?.count, dimension > 0,
                fresh.allSatisfy({ $0.count == dimension && $0.allSatisfy(\.isFinite) })
            else { throw HiveError(.inconsistent, "embedder returned empty, ragged or non-finite vectors") }
            cache.store(missing, fresh)
            let byText = Dictionary(zip(missing, fresh), uniquingKeysWith: { first, _ in first })
            for index in vectors.indices where vectors[index] == nil { vectors[index] = byText[texts[index]] }
        }
        return try vectors.map { vector in
            guard let vector else { throw HiveError(.inconsistent, "embedder returned no vector") }
            return vector
        }
    }
}
