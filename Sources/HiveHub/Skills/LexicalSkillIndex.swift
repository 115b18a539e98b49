import HiveCore
import Synchronization

/// Each trace's intent as a word set, computed once when the trace is added; a search scores the
/// query's words against every set in memory (no database read, no decoding).
final class LexicalSkillIndex: SkillIndex {
    private struct Entry {
        var seq: Int64
        var traceID: String
        var words: Set<String>
    }

    private struct State {
        /// Oldest first from `head` on.
        var entries: [Entry] = []
        var head = 0
        var lastSeq: Int64 = 0
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { state.withLock { $0.entries.count - $0.head } }
    var lastSeq: Int64 { state.withLock { $0.lastSeq } }

    func add(_ skills: [SkillIntent]) throws {
        let floor = lastSeq
        let fresh = skills.filter { $0.seq > floor }.map { Entry(seq: $0.seq, traceID: $0.traceID, words: LexicalSkillRanker.words($0.intent)) }
        guard !fresh.isEmpty else { return }
        state.withLock { state in
            for entry in fresh where entry.seq > state.lastSeq {
                state.lastSeq = entry.seq
                state.entries.append(entry)
            }
            state.head += max(0, state.entries.count - state.head - capacity)
            if state.head > 1024, state.head * 2 > state.entries.count {
                state.entries.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    func search(intent: String, threshold: Double, limit: Int) throws -> [ScoredTrace] {
        let query = LexicalSkillRanker.words(intent)
        guard !query.isEmpty else { throw HiveError(.invalidInput, "intent has no words to match") }
        guard limit > 0 else { return [] }
        var ranked: [ScoredTrace] = state.withLock { state in
            var ranked: [ScoredTrace] = []
            for entry in state.entries[state.head...] {
                let score = LexicalSkillRanker.similarity(query, entry.words)
                if score > 0, score >= threshold { ranked.append(ScoredTrace(traceID: entry.traceID, seq: entry.seq, score: score)) }
            }
            return ranked
        }
        ranked.sort { left, right in left.score != right.score ? left.score > right.score : left.seq < right.seq }
        return Array(ranked.prefix(limit))
    }
}
