import Foundation
import HiveCore
import HiveLearning
import HiveVectors

/// Blends the signals a viewer twin has into ranked, explained recommendations.
///
/// score = w_model·m_i + w_content·cos(profile, e_i) + w_pattern·(best matching pattern's
/// success × quality) + w_pop·log(1+pop_i)/log(1+pop_max), where m_i = σ(z_i) and z_i is the model
/// logit u·v_i + b_i standardised over the catalogue (raw σ(u·v+b) barely spreads after a few
/// norm-bounded federation rounds, so the content term would decide every ranking).
///
/// The model's weight grows with its confidence (``ModelConfidence``): how much the twin has
/// interacted (its user vector) and how much of what it liked the hub's model supports (published
/// rows). At confidence 0 — no federated model yet, or a purely local one — the model has no
/// weight and the other signals keep their proportions. With fewer than ``coldStartInteractions``
/// liked items the popularity weight dominates (cold start). The ranked list is re-ranked with
/// maximal marginal relevance (λ·score − (1−λ)·max cosine to what is already chosen) for diversity.
public struct RecommendationEngine: Sendable {
    /// Items with their content vectors, addressable by id.
    public struct Catalog: Sendable {
        public var items: [CatalogItem] = []
        public var vectors: [[Float]] = []
        public var index: [String: Int] = [:]

        public init() {}

        mutating func append(_ item: CatalogItem, vector: [Float]) {
            index[item.id] = items.count
            items.append(item)
            vectors.append(vector)
        }
    }

    /// A pattern usable as a signal: the genres it speaks for and its strength in [0, 1].
    public struct PatternSignal: Sendable {
        public var genres: Set<String>
        public var strength: Double
        public var label: String
    }

    /// Relative weights of the signals that need no federated model (a warm twin).
    public var weights = (content: 0.30, pattern: 0.20, popularity: 0.15)
    /// The model's weight at full confidence; the others share the rest in their proportions.
    public var maxModelWeight = 0.6
    public var coldStartWeights = (model: 0.0, content: 0.25, pattern: 0.25, popularity: 0.50)
    public static let coldStartInteractions = 3
    /// MMR trade-off: 1 = relevance only.
    public var lambda = 0.7

    public init() {}

    /// The effective weights for a warm twin whose model confidence is `confidence` (in [0, 1]).
    public func blend(confidence: Double) -> (model: Double, content: Double, pattern: Double, popularity: Double) {
        let model = maxModelWeight * min(1, max(0, confidence.isFinite ? confidence : 0))
        let rest = weights.content + weights.pattern + weights.popularity
        let scale = rest > 0 ? (1 - model) / rest : 0
        return (model, weights.content * scale, weights.pattern * scale, weights.popularity * scale)
    }

    /// One scored catalogue item before diversification.
    struct Candidate {
        var index: Int
        var score: Double
        var components: [String: Double]
        var pattern: String?
    }

    /// Ranks `catalog` for the viewer. `modelRows` maps catalogue positions to rows of `model`
    /// (the hub's global model is indexed by global item id, not by catalogue position).
    public func recommend(
        catalog: Catalog, liked: [Int], seen: Set<Int>, model: ItemFactorModel?, modelRows: [Int?]? = nil, user: [Float]?,
        confidence: ModelConfidence = .none, contextVector: [Float]?, context: RecommendationContext, patterns: [PatternSignal], k: Int,
        filters: RecommendationFilters
    ) throws -> [Recommendation] {
        guard (1...1000).contains(k) else { throw HiveError(.invalidInput, "k must be in 1…1000, got \(k)") }
        guard !catalog.items.isEmpty else { return [] }
        let cold = liked.count < Self.coldStartInteractions
        let w = cold ? coldStartWeights : blend(confidence: confidence.value)
        var candidates = score(
            catalog: catalog, liked: liked, seen: seen, model: model, modelRows: modelRows, user: user, confidence: confidence,
            contextVector: contextVector, context: context, patterns: patterns, filters: filters, only: nil)
        candidates.sort { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
        // MMR over the best few hundred.
        var pool = Array(candidates.prefix(max(k * 10, 200)))
        var chosen: [Candidate] = []
        while chosen.count < k, !pool.isEmpty {
            var best = 0
            var bestValue = -Double.infinity
            for (position, candidate) in pool.enumerated() {
                let redundancy = chosen.map { DistanceMetric.cosineSimilarity(catalog.vectors[$0.index], catalog.vectors[candidate.index]) }.max() ?? 0
                let value = lambda * candidate.score - (1 - lambda) * redundancy
                if value > bestValue {
                    bestValue = value
                    best = position
                }
            }
            chosen.append(pool.remove(at: best))
        }
        return chosen.map { candidate in
            let item = catalog.items[candidate.index]
            return Recommendation(
                mediaID: item.id, title: item.title, score: candidate.score,
                reason: Self.reason(item: item, components: candidate.components, pattern: candidate.pattern, cold: cold, weights: w),
                components: candidate.components)
        }
    }

    /// Blended relevance of every candidate (restricted to `only` when given), unsorted.
    func score(
        catalog: Catalog, liked: [Int], seen: Set<Int>, model: ItemFactorModel?, modelRows: [Int?]?, user: [Float]?,
        confidence: ModelConfidence = .none, contextVector: [Float]?, context: RecommendationContext, patterns: [PatternSignal],
        filters: RecommendationFilters, only: Set<Int>?
    ) -> [Candidate] {
        let dimensions = catalog.vectors.first?.count ?? 0
        // Content profile: mean of liked items, nudged towards the context text.
        var profile = [Float](repeating: 0, count: dimensions)
        for index in liked { for d in 0..<dimensions { profile[d] += catalog.vectors[index][d] } }
        if let contextVector, contextVector.count == dimensions {
            let weight = Float(max(1, liked.count))
            for d in 0..<dimensions { profile[d] += weight * contextVector[d] }
        }
        let hasProfile = profile.contains { $0 != 0 }
        let maxPopularity = catalog.items.map(\.popularity).max() ?? 0
        let cold = liked.count < Self.coldStartInteractions
        let w = cold ? coldStartWeights : blend(confidence: confidence.value)
        let wantedGenre = context.genre?.lowercased()
        let logits = Self.modelLogits(catalog: catalog, model: model, modelRows: modelRows, user: user)

        var candidates: [Candidate] = []
        for (index, item) in catalog.items.enumerated() {
            if let only, !only.contains(index) { continue }
            if filters.excludeSeen, seen.contains(index) { continue }
            if filters.excludeIDs.contains(item.id) { continue }
            let genres = Set(item.genres.map { $0.lowercased() })
            if !filters.genres.isEmpty, genres.isDisjoint(with: filters.genres.map { $0.lowercased() }) { continue }
            var modelScore = 0.0
            if let logits, let logit = logits.values[index] {
                modelScore = 1 / (1 + exp(-(logit - logits.mean) / logits.deviation))
            }
            let content = hasProfile ? max(0, DistanceMetric.cosineSimilarity(profile, catalog.vectors[index])) : 0
            var patternScore = 0.0
            var patternLabel: String?
            for signal in patterns where !signal.genres.isDisjoint(with: genres) {
                if let wantedGenre, !signal.genres.contains(wantedGenre), !genres.contains(wantedGenre) { continue }
                if signal.strength > patternScore {
                    patternScore = signal.strength
                    patternLabel = signal.label
                }
            }
            let popularity = maxPopularity > 0 ? log1p(item.popularity) / log1p(maxPopularity) : 0
            var score = w.model * modelScore + w.content * content + w.pattern * patternScore + w.popularity * popularity
            if let wantedGenre, genres.contains(wantedGenre) { score += 0.1 }
            candidates.append(
                Candidate(
                    index: index, score: min(1, score),
                    components: ["model": modelScore, "content": content, "pattern": patternScore, "popularity": popularity],
                    pattern: patternLabel))
        }
        return candidates
    }

    /// The model logit u·v_i + b_i of every catalogue item the model has a row for, with their mean
    /// and standard deviation (1 when the logits do not spread, so every item gets σ(0) = 0.5).
    static func modelLogits(catalog: Catalog, model: ItemFactorModel?, modelRows: [Int?]?, user: [Float]?)
        -> (values: [Double?], mean: Double, deviation: Double)?
    {
        guard let model, let user, user.count == model.rank else { return nil }
        var values = [Double?](repeating: nil, count: catalog.items.count)
        var sum = 0.0, squares = 0.0, count = 0.0
        for index in 0..<catalog.items.count {
            // The model's row for this item: the catalogue position unless a mapping is given.
            let row = modelRows.map { index < $0.count ? $0[index] : nil } ?? index
            guard let row, row < model.itemCount else { continue }
            let logit = Double(model.score(user: user, item: row))
            guard logit.isFinite else { continue }
            values[index] = logit
            sum += logit
            squares += logit * logit
            count += 1
        }
        guard count > 0 else { return nil }
        let mean = sum / count
        let deviation = (max(0, squares / count - mean * mean)).squareRoot()
        return (values, mean, deviation > 1e-9 ? deviation : 1)
    }

    static func reason(
        item: CatalogItem, components: [String: Double], pattern: String?, cold: Bool,
        weights: (model: Double, content: Double, pattern: Double, popularity: Double)
    ) -> String {
        let weighted = [
            // The model signal is standardised (0.5 = an average item): only its lift above average counts as a reason.
            ("model", weights.model * max(0, 2 * (components["model"] ?? 0) - 1)),
            ("content", weights.content * (components["content"] ?? 0)),
            ("pattern", weights.pattern * (components["pattern"] ?? 0)),
            ("popularity", weights.popularity * (components["popularity"] ?? 0)),
        ]
        let top = weighted.max { $0.1 < $1.1 }?.0 ?? "popularity"
        let genres = item.genres.prefix(2).joined(separator: " and ")
        switch top {
        case "model": return "Viewers with your taste rate \(item.title) highly (your personal model)"
        case "content": return "Similar to what you enjoyed\(genres.isEmpty ? "" : " (\(genres))")"
        case "pattern": return "Matches a learned preference: \(pattern ?? genres)"
        default: return cold ? "Popular with viewers while your twin learns your taste" : "Popular with viewers"
        }
    }
}
