import Foundation
import GRDB
import HiveCore
import HiveLearning

extension ViewerAgent {
    /// One tracked event with its engagement reward.
    struct Event {
        var seq: Int64
        var kind: String
        var mediaID: String?
        var value: Double
        var detail: String
        var learned: Bool

        /// Engagement → reward in [0, 1]: a completed view 1, a partial view grows with minutes
        /// watched (half credit at 45 min), a rating maps 1…5 to 0…1, a skip is 0 (less the
        /// later it came: a skip after 20 min still says the start was worth watching), a search
        /// selection 0.6.
        var reward: Double {
            switch kind {
            case "view": return detail == "completed" ? 1 : min(0.9, value / 5_400)
            case "rating": return (value - 1) / 4
            case "skip": return min(0.3, value / 4_000)
            default: return mediaID == nil ? 0 : 0.6
            }
        }

        var critique: String {
            switch kind {
            case "view": return detail == "completed" ? "watched to the end" : "stopped after \(Int(value)) s"
            case "rating": return "rated \(value)/5"
            case "skip": return "skipped at \(Int(value)) s"
            default: return mediaID == nil ? "searched \"\(detail.prefix(80))\" and chose nothing" : "chose it from a search"
            }
        }
    }

    func events(unlearnedOnly: Bool) throws -> [Event] {
        try store.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, kind, media_id, value, detail, learned FROM viewer_events \(unlearnedOnly ? "WHERE learned = 0" : "") ORDER BY seq"
            ).map { Event(seq: $0["seq"], kind: $0["kind"], mediaID: $0["media_id"], value: $0["value"], detail: $0["detail"], learned: $0["learned"]) }
        }
    }

    /// Learns from the events tracked since the last call: stores them as episodes, turns genre
    /// preferences that reach the quality threshold into patterns (queued for the hub), and
    /// trains the local model. Returns the patterns created or reinforced.
    public func learnFromSession() throws -> [Pattern] {
        let fresh = try events(unlearnedOnly: true)
        guard !fresh.isEmpty else { return [] }
        let catalog = try catalog()
        // Episodes (private fields sealed by ReflexionMemory).
        let drafts = fresh.map { event -> EpisodeDraft in
            let item = event.mediaID.flatMap { catalog.index[$0] }.map { catalog.items[$0] }
            let genres = item?.genres ?? []
            return EpisodeDraft(
                sessionID: sessionID, task: "\(event.kind) \(genres.joined(separator: " "))".trimmingCharacters(in: .whitespaces),
                input: item?.title ?? event.detail, output: event.critique, reward: event.reward, success: event.reward >= 0.5,
                critique: event.critique, tags: Array(genres.prefix(Validation.Limit.tags)))
        }
        for start in stride(from: 0, to: drafts.count, by: ReflexionMemory.maxBatch) {
            _ = try memory.storeEpisodes(Array(drafts[start..<min(drafts.count, start + ReflexionMemory.maxBatch)]))
        }
        let patterns = try updateGenrePatterns(catalog: catalog)
        // Score the model on what is new before training on it (prequential: out of sample).
        try scoreModel(onFresh: fresh, catalog: catalog)
        try trainLocalModel(catalog: catalog)
        let last = fresh.last?.seq ?? 0
        try store.write { db in try db.execute(sql: "UPDATE viewer_events SET learned = 1 WHERE seq <= ?", arguments: [last]) }
        return patterns
    }

    /// Per genre, counts liked (reward ≥ 0.5) and disliked item events over all history. A genre
    /// whose success rate reaches the threshold with ≥ 3 observations becomes a pattern, stored once
    /// (with a signed envelope in the outbox) and reinforced afterwards.
    func updateGenrePatterns(catalog: RecommendationEngine.Catalog) throws -> [Pattern] {
        var likes: [String: Double] = [:]
        var dislikes: [String: Double] = [:]
        for event in try events(unlearnedOnly: false) {
            guard let id = event.mediaID, let index = catalog.index[id] else { continue }
            for genre in catalog.items[index].genres {
                if event.reward >= 0.5 { likes[genre, default: 0] += 1 } else { dislikes[genre, default: 0] += 1 }
            }
        }
        var result: [Pattern] = []
        for genre in Set(likes.keys).union(dislikes.keys).sorted() {
            let alpha = 1 + likes[genre, default: 0]
            let beta = 1 + dislikes[genre, default: 0]
            guard alpha + beta - 2 >= 3, alpha / (alpha + beta) >= configuration.minQualityThreshold else { continue }
            let key = "viewer.genre_pattern.\(genre)"
            let existing = try store.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
            if let existing, let pattern = try bank.pattern(id: existing) {
                // Reinforce with the evidence gathered since it was stored.
                var current = pattern
                while current.alpha < alpha { current = try bank.recordOutcome(patternID: existing, success: true) }
                while current.beta < beta { current = try bank.recordOutcome(patternID: existing, success: false) }
                result.append(current)
                continue
            }
            guard try bank.count() < configuration.maxLocalPatterns else { break }
            let approach = "Viewer enjoys \(genre) titles"
            let draft = PatternDraft(
                taskType: .preference, approach: approach, tags: [genre], context: .init(genres: [genre]), alpha: alpha, beta: beta)
            let pattern = try bank.storePattern(draft, vector: configuration.embedder.embed(approach), outbox: outbox)
            try store.write { db in try SyncState.set(key, pattern.id, in: db) }
            result.append(pattern)
        }
        return result
    }
}
