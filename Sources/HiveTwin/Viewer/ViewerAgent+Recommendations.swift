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
        let inputs = try recommendationInputs(context: context)
        return try RecommendationEngine().recommend(
            catalog: inputs.catalog, liked: inputs.liked, seen: inputs.seen, model: inputs.view?.model, modelRows: inputs.view?.rows,
            user: inputs.user, confidence: inputs.confidence, contextVector: inputs.contextVector, context: context,
            patterns: inputs.signals, k: k, filters: filters)
    }

    /// The blended relevance of the given catalogue items for this viewer (no context, no
    /// diversification, seen items included): what `hive simulate` ranks held-out items with.
    /// Unknown ids are left out.
    public func relevance(of mediaIDs: [String]) throws -> [String: Recommendation] {
        guard !isShutDown else { throw HiveError(.unavailable, "the viewer agent was shut down") }
        let context = RecommendationContext()
        let inputs = try recommendationInputs(context: context)
        let only = Set(mediaIDs.compactMap { inputs.catalog.index[$0] })
        let engine = RecommendationEngine()
        let candidates = engine.score(
            catalog: inputs.catalog, liked: inputs.liked, seen: inputs.seen, model: inputs.view?.model, modelRows: inputs.view?.rows,
            user: inputs.user, confidence: inputs.confidence, contextVector: nil, context: context, patterns: inputs.signals,
            filters: RecommendationFilters(excludeSeen: false), only: only)
        var result: [String: Recommendation] = [:]
        for candidate in candidates {
            let item = inputs.catalog.items[candidate.index]
            result[item.id] = Recommendation(
                mediaID: item.id, title: item.title, score: candidate.score, reason: "", components: candidate.components)
        }
        return result
    }

    /// ``relevance(of:)`` beside the same twin's relevance without the federated model (confidence
    /// 0: content, patterns and popularity in their proportions — what the twin knows alone), and
    /// the model's confidence: what `hive simulate` compares to show what federation changed.
    public func relevanceWithAndWithoutModel(of mediaIDs: [String]) throws
        -> (with: [String: Recommendation], without: [String: Double], confidence: Double)
    {
        let with = try relevance(of: mediaIDs)
        let inputs = try recommendationInputs(context: RecommendationContext())
        let only = Set(mediaIDs.compactMap { inputs.catalog.index[$0] })
        let candidates = RecommendationEngine().score(
            catalog: inputs.catalog, liked: inputs.liked, seen: inputs.seen, model: nil, modelRows: nil, user: nil, confidence: .none,
            contextVector: nil, context: RecommendationContext(), patterns: inputs.signals,
            filters: RecommendationFilters(excludeSeen: false), only: only)
        var without: [String: Double] = [:]
        for candidate in candidates { without[inputs.catalog.items[candidate.index].id] = candidate.score }
        let confidence = inputs.liked.count < RecommendationEngine.coldStartInteractions ? 0 : inputs.confidence.value
        return (with, without, confidence)
    }

    struct RecommendationInputs {
        var catalog: RecommendationEngine.Catalog
        var liked: [Int]
        var seen: Set<Int>
        var view: ViewerModel?
        var user: [Float]?
        var confidence: ModelConfidence
        var contextVector: [Float]?
        var signals: [RecommendationEngine.PatternSignal]
    }

    func recommendationInputs(context: RecommendationContext) throws -> RecommendationInputs {
        let catalog = try catalog()
        var liked: [Int] = []
        var seen = Set<Int>()
        for event in try events(unlearnedOnly: false) {
            guard let id = event.mediaID, let index = catalog.index[id] else { continue }
            seen.insert(index)
            if event.reward >= 0.5 { liked.append(index) }
        }
        let view = try viewerModel(catalog: catalog)
        let user = try view.flatMap { try userVector(rank: $0.model.rank) }
        let confidence = try modelConfidence(view: view, liked: liked)
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
        return RecommendationInputs(
            catalog: catalog, liked: liked, seen: seen, view: view, user: user, confidence: confidence, contextVector: contextVector,
            signals: signals)
    }

    /// The federated model's confidence for this viewer (see ``ModelConfidence``).
    func modelConfidence(view: ViewerModel?, liked: [Int]) throws -> ModelConfidence {
        guard let view, view.federated, !liked.isEmpty else { return .none }
        let distinct = Set(liked)
        let supported = distinct.filter { index in
            guard index < view.rows.count, let row = view.rows[index] else { return false }
            return view.published.contains(row)
        }.count
        let evidence = try modelEvidence()
        return ModelConfidence(evidence: evidence.count, auc: evidence.auc, support: Double(supported) / Double(distinct.count))
    }
}
