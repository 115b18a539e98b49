import Synchronization

/// Embeddings by text, least recently used dropped first. Intents repeat (queries and published
/// traces share a vocabulary), and a MiniLM forward pass costs milliseconds where a lookup costs
/// nanoseconds; the same text always embeds to the same vector, so a hit is exact.
final class EmbeddingCache: Sendable {
    private struct Entry {
        var vector: [Float]
        var used: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var tick: UInt64 = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// The cached vector of each text (nil where missing), marking hits as used.
    func lookup(_ texts: [String]) -> [[Float]?] {
        state.withLock { state in
            texts.map { text in
                guard var entry = state.entries[text] else { return nil }
                state.tick &+= 1
                entry.used = state.tick
                state.entries[text] = entry
                return entry.vector
            }
        }
    }

    /// Stores vectors; when full, drops the least recently used half at once (amortised O(1) per insert).
    func store(_ texts: [String], _ vectors: [[Float]]) {
        state.withLock { state in
            for (text, vector) in zip(texts, vectors) {
                state.tick &+= 1
                state.entries[text] = Entry(vector: vector, used: state.tick)
            }
            guard state.entries.count > capacity else { return }
            let keep = capacity / 2
            let cutoff = state.entries.values.map(\.used).sorted(by: >)[min(keep, state.entries.count - 1)]
            state.entries = state.entries.filter { $0.value.used > cutoff }
        }
    }
}
