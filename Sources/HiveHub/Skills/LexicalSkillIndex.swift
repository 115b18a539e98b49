import HiveCore
import Synchronization

/// Each trace's intent as a sorted set of word ids, computed once when the trace is added, plus
/// an inverted index (word id → traces holding it).
///
/// A search visits the query's words rarest first and scores each trace it meets exactly (the
/// cosine of the two word sets, ``LexicalSkillRanker/similarity(_:_:)``'s formula on integers).
/// A trace not met yet lacks the words already visited, so its score is at most
/// √(remaining words / query words); once the `limit`-th best score beats that bound (or the bound
/// falls below the threshold) no unseen trace can enter the answer and the search stops. A query
/// with a rare word therefore reads a few posting lists instead of every stored trace, and the
/// answer is exactly the one a full scan gives (same scores, same order, same ties).
final class LexicalSkillIndex: SkillIndex {
    private struct Entry {
        var seq: Int64
        var traceID: String
        /// Sorted, distinct.
        var words: [Int32]
    }

    private struct State {
        /// Entry `position` is `entries[position - base]`; positions below `head` are evicted.
        var entries: [Entry] = []
        var base = 0
        var head = 0
        var lastSeq: Int64 = 0
        var wordIDs: [String: Int32] = [:]
        /// Per word id, the positions of the entries holding it, ascending (evicted ones are
        /// skipped, and dropped at the next compaction).
        var postings: [[Int]] = []

        var end: Int { base + entries.count }

        mutating func wordID(_ word: String) -> Int32 {
            if let id = wordIDs[word] { return id }
            let id = Int32(postings.count)
            wordIDs[word] = id
            postings.append([])
            return id
        }

        /// Drops evicted entries and rebuilds the posting lists (and the vocabulary) from the live ones.
        mutating func compact() {
            entries.removeFirst(head - base)
            base = head
            var remap: [Int32: Int32] = [:]
            var fresh: [[Int]] = []
            for (offset, entry) in entries.enumerated() {
                var words: [Int32] = []
                for word in entry.words {
                    let id: Int32
                    if let known = remap[word] {
                        id = known
                    } else {
                        id = Int32(fresh.count)
                        remap[word] = id
                        fresh.append([])
                    }
                    fresh[Int(id)].append(base + offset)
                    words.append(id)
                }
                entries[offset].words = words.sorted()
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
                let position = state.end
                var ids = words.map { state.wordID($0) }
                ids.sort()
                for id in ids { state.postings[Int(id)].append(position) }
                state.entries.append(Entry(seq: skill.seq, traceID: skill.traceID, words: ids))
            }
            state.head += max(0, state.end - state.head - capacity)
            // Compact once the dead prefix is as long as the live part (amortised O(1) per add).
            if state.head - state.base > 1024, (state.head - state.base) * 2 > state.entries.count {
                state.compact()
            }
        }
    }

    func search(intent: String, threshold: Double, limit: Int) throws -> [ScoredTrace] {
        let query = LexicalSkillRanker.words(intent)
        guard !query.isEmpty else { throw HiveError(.invalidInput, "intent has no words to match") }
        guard limit > 0 else { return [] }
        return state.withLock { state in
            // Words no trace holds add to the query's size but match nothing.
            let known = query.compactMap { state.wordIDs[$0] }.sorted { state.postings[Int($0)].count < state.postings[Int($1)].count }
            let querySorted = known.sorted()
            let querySize = Double(query.count)
            var best = TopScores(limit: limit)
            var seen = Set<Int>()
            for (visited, word) in known.enumerated() {
                // An unseen trace lacks the `visited` words already read, so it shares at most
                // `remaining` with the query; with b words its cosine is ≤ min(remaining, b) / √(q·b) ≤ √(remaining / q).
                let remaining = Double(query.count - visited)
                // (plus a hair, so rounding never stops the search before a tie with an older trace)
                let bound = (remaining / querySize).squareRoot() + 1e-12
                if bound < threshold { break }
                if let worst = best.worstIfFull, worst > bound { break }
                let postings = state.postings[Int(word)]
                var index = Self.firstIndex(in: postings, atLeast: state.head)
                while index < postings.count {
                    let position = postings[index]
                    index += 1
                    guard seen.insert(position).inserted else { continue }
                    let entry = state.entries[position - state.base]
                    let shared = Self.intersectionCount(querySorted, entry.words)
                    let score = Double(shared) / (querySize * Double(entry.words.count)).squareRoot()
                    if score > 0, score >= threshold { best.offer(ScoredTrace(traceID: entry.traceID, seq: entry.seq, score: score)) }
                }
            }
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

    /// Size of the intersection of two sorted, distinct arrays.
    static func intersectionCount(_ a: [Int32], _ b: [Int32]) -> Int {
        var i = 0
        var j = 0
        var shared = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                shared += 1
                i += 1
                j += 1
            } else if a[i] < b[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return shared
    }
}
