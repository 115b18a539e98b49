import Foundation
import HiveCore

extension ViewerAgent {
    /// Up to `k` recommendations for `context`, each with its blended score and a reason.
    public func getRecommendations(
        context: RecommendationContext = RecommendationContext(), k: Int = 10, filters: RecommendationFilters = RecommendationFilters()
    ) throws -> [Recommendation] {
        guard !isShutDown else { throw HiveError(.unavailable, "the viewer agent was shut down") }
        guard !(context.genre ?? "").isEmpty || context.genre == nil else { throw HiveError(.invalidInput, "genre must not be empty") }
        for (field, value) in [("genre", context.genre), ("mood", context.mood), ("timeOfDay", context.timeOfDay)] {
            if let value { try Validation.check(value, maxBytes: Validation.Limit.tag, field: field) }
        }
        let catalog = try catalog()
        var liked: [Int] = []
        var seen = Set<Int>()
        for event in try events(unlearnedOnly: false) {
            guard let id = event.mediaID, let index = catalog.index[id] else { continue }
            seen.insert(index)
            if event.reward >= 0.5 { liked.append(index) }
        }
        let model = try localModel(catalog: catalog)
        let user = try model.flatMap { try userVector(rank: $0.rank) }
        let contextText = [context.genre, context.mood, context.timeOfDay].compactMap { $0 }.joined(separator: " ")
        let contextVector = contextText.isEmpty ? nil : configuration.embedder.embed(contextText)
        var signals: [RecommendationEngine.PatternSignal] = []
        for consolidated in try knowledge.patterns() {
            let genres = Set((consolidated.pattern.context.genres + consolidated.pattern.tags).map { $0.lowercased() })
            signals.append(
                .init(
                    genres: genres, strength: consolidated.pattern.successRate * consolidated.quality,
                    label: "\(consolidated.pattern.approach) (community, \(consolidated.voters) twins)"))
        }
        for pattern in try bank.export(minQuality: configuration.minQualityThreshold, minObservations: 0) {
            let genres = Set((pattern.context.genres + pattern.tags).map { $0.lowercased() })
            signals.append(.init(genres: genres, strength: pattern.successRate, label: pattern.approach))
        }
        return try RecommendationEngine().recommend(
            catalog: catalog, liked: liked, seen: seen, model: model, user: user, contextVector: contextVector, context: context,
            patterns: signals, k: k, filters: filters)
    }
}
