import HiveCore
import HiveVectors
import Synchronization

/// Trace intent embeddings in an exact cosine ``FlatIndex`` keyed by feed position, so a search
/// embeds only the query (usually a cache hit) and scores every trace with SIMD kernels, without
/// touching the database or decoding a single record.
final class SemanticSkillIndex: SkillIndex {
    private struct State {
        /// nil until the first vector fixes the dimension.
        var vectors: SharedVectorIndex<FlatIndex>?
        var traceIDs: [Int64: String] = [:]
        /// Feed positions in insertion order from `head` on (oldest first), for eviction.
        var order: [Int64] = []
        var head = 0
        var lastSeq: Int64 = 0
    }

    private let ranker: SemanticSkillRanker
    private let capacity: Int
    private let state = Mutex(State())

    init(ranker: SemanticSkillRanker, capacity: Int) {
        self.ranker = ranker
        self.capacity = max(1, capacity)
    }

    var count: Int { state.withLock { $0.traceIDs.count } }
    var lastSeq: Int64 { state.withLock { $0.lastSeq } }

    func add(_ skills: [SkillIntent]) throws {
        let floor = lastSeq
        let fresh = skills.filter { $0.seq > floor }
        guard !fresh.isEmpty else { return }
        // Embedding (the slow part) runs outside the lock.
        let embedded = try ranker.embed(fresh.map(\.intent))
        try state.withLock { state in
            var ids: [Int64] = []
            var flat: [Float] = []
            var dimension = 0
            for (skill, vector) in zip(fresh, embedded) where skill.seq > state.lastSeq {
                state.lastSeq = skill.seq
                // A zero vector has no direction: it can match nothing, so it is not indexed.
                guard vector.contains(where: { $0 != 0 }) else { continue }
                dimension = vector.count
                ids.append(skill.seq)
                flat.append(contentsOf: vector)
                state.traceIDs[skill.seq] = skill.traceID
                state.order.append(skill.seq)
            }
            guard !ids.isEmpty else { return }
            if state.vectors == nil { state.vectors = SharedVectorIndex(try FlatIndex(dimension: dimension, metric: .cosine)) }
            guard let vectors = state.vectors else { return }
            guard vectors.read({ $0.dimension }) == dimension else {
                for id in ids { state.traceIDs[id] = nil }
                state.order.removeLast(ids.count)
                throw HiveError(.inconsistent, "embedder changed dimension to \(dimension)")
            }
            let overflow = max(0, state.order.count - state.head - capacity)
            let evicted = Array(state.order[state.head..<(state.head + overflow)])
            try vectors.write { index in
                try index.add(ids: ids, vectors: flat)
                for id in evicted where index.contains(id) { try index.remove(id: id) }
            }
            for id in evicted { state.traceIDs[id] = nil }
            state.head += overflow
            // Compact the order list once its dead prefix is as long as the live part.
            if state.head > 1024, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    func search(intent: String, threshold: Double, limit: Int) throws -> [ScoredTrace] {
        guard limit > 0, let vectors = state.withLock({ $0.vectors }) else { return [] }
        guard let query = try ranker.embed([intent]).first, query.contains(where: { $0 != 0 }) else { return [] }
        let hits = try vectors.read { index -> [SearchHit] in
            guard index.count > 0, query.count == index.dimension else { return [] }
            return try index.search(query, k: limit, filter: nil)
        }
        return state.withLock { state in
            hits.compactMap { hit in
                let score = min(1, max(0, Double(hit.score)))
                guard score >= threshold, let traceID = state.traceIDs[hit.id] else { return nil }
                return ScoredTrace(traceID: traceID, seq: hit.id, score: score)
            }
        }
    }
}
