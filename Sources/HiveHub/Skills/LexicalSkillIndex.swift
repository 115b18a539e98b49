import HiveCore
import Synchronization

/// Each trace's intent as a set of word ids, computed once when the trace is added, plus an
/// inverted index (word id → positions of the traces holding it).
///
/// A search walks the posting lists of the query's words, counting per trace how many query
/// words it holds, then scores only the traces met (the cosine of the two word sets,
/// ``LexicalSkillRanker/similarity(_:_:)``'s formula on the counts) into a bounded top-k. No
/// strings are compared, hashed or copied per stored trace, and traces sharing no word with the
/// query are never touched; the answer is the one a full scan gives (same scores, order and ties).
final class LexicalSkillIndex: SkillIndex {
    private struct State {
        /// Entry `position` is at offset `position - base` of the arrays below; positions below
        /// `head` are evicted.
        var seqs: [Int64] = []
        var traceIDs: [String] = []
        /// Sorted, distinct word ids (read only when compacting).
        var words: [[Int32]] = []
        /// Distinct words per entry.
        var sizes: [UInt16] = []
        var base = 0
        var head = 0
        var lastSeq: Int64 = 0
        var wordIDs: [String: Int32] = [:]
        /// Per word id, the positions of the entries holding it, ascending (evicted ones are
        /// skipped, and dropped at the next compaction).
        var postings: [[Int]] = []
        /// Search scratch: per entry, query words held (zero between searches), and the entries touched.
        var counts: [UInt16] = []
        var touched: [Int] = []

        var end: Int { base + seqs.count }

        mutating func wordID(_ word: String) -> Int32 {
            if let id = wordIDs[word] { return id }
            let id = Int32(postings.count)
            wordIDs[word] = id
            postings.append([])
            return id
        }

        mutating func append(seq: Int64, traceID: String, words: Set<String>) {
            let position = end
            var ids = words.map { wordID($0) }
            ids.sort()
            for id in ids { postings[Int(id)].append(position) }
            seqs.append(seq)
            traceIDs.append(traceID)
            self.words.append(ids)
            sizes.append(UInt16(clamping: ids.count))
            counts.append(0)
        }

        /// Drops evicted entries and rebuilds the posting lists (and the vocabulary) from the live ones.
        mutating func compact() {
            let dead = head - base
            seqs.removeFirst(dead)
            traceIDs.removeFirst(dead)
            words.removeFirst(dead)
            sizes.removeFirst(dead)
            counts = [UInt16](repeating: 0, count: seqs.count)
            base = head
            var remap: [Int32: Int32] = [:]
            var fresh: [[Int]] = []
            for offset in words.indices {
                var ids: [Int32] = []
                for word in words[offset] {
                    let id: Int32
                    if let known = remap[word] {
                        id = known
                    } else {
                        id = Int32(fresh.count)
                        remap[word] = id
                        fresh.append([])
                    }
                    fresh[Int(id)].append(base + offset)
                    ids.append(id)
                }
                words[offset] = ids.sorted()
            }
            wordIDs = wordIDs.reduce(into: [:]) { kept, pair in
                if let id = remap[pair.value] { kept[pair.key] = id }
            }
            postings = fresh
        }
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { state.withLock { $0.end - $0.head } }
    var lastSeq: Int64 { state.withLock { $0.lastSeq } }

    func add(_ skills: [SkillIntent]) throws {
        let floor = lastSeq
        // Tokenising (the slow part) runs outside the lock.
        let fresh = skills.filter { $0.seq > floor }.map { ($0, LexicalSkillRanker.words($0.intent)) }
        guard !fresh.isEmpty else { return }
        state.withLock { state in
            for (skill, words) in fresh where skill.seq > state.lastSeq {
                state.lastSeq = skill.seq
                state.append(seq: skill.seq, traceID: skill.traceID, words: words)
            }
            state.head += max(0, state.end - state.head - capacity)
            // Compact once the dead prefix is as long as the live part (amortised O(1) per add).
            if state.head - state.base > 1024, (state.head - state.base) * 2 > state.seqs.count {
                state.compact()
            }
        }
    }

    func search(intent: String, threshold: Double, limit: Int) throws -> [ScoredTrace] {
        let query = LexicalSkillRanker.words(intent)
        guard !query.isEmpty else { throw HiveError(.invalidInput, "intent has no words to match") }
        guard limit > 0 else { return [] }
        let querySize = Double(query.count)
        return state.withLock { state in
            // Words no trace holds add to the query's size but match nothing.
            let known = query.compactMap { state.wordIDs[$0] }
            let base = state.base
            for word in known {
                let postings = state.postings[Int(word)]
                var index = Self.firstIndex(in: postings, atLeast: state.head)
                while index < postings.count {
                    let offset = postings[index] - base
                    index += 1
                    if state.counts[offset] == 0 { state.touched.append(offset) }
                    state.counts[offset] &+= 1
                }
            }
            var best = TopScores(limit: limit)
            for offset in state.touched {
                let shared = state.counts[offset]
                state.counts[offset] = 0
                let score = Double(shared) / (querySize * Double(state.sizes[offset])).squareRoot()
                let seq = state.seqs[offset]
                guard score >= threshold, best.accepts(score: score, seq: seq) else { continue }
                best.offer(ScoredTrace(traceID: state.traceIDs[offset], seq: seq, score: score))
            }
            state.touched.removeAll(keepingCapacity: true)
            return best.sorted()
        }
    }

    /// First index of `sorted` holding a value ≥ `floor`.
    static func firstIndex(in sorted: [Int], atLeast floor: Int) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < floor { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
