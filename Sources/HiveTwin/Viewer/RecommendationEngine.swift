import Foundation
import HiveCore
import HiveLearning

/// Blends the signals a viewer twin has into ranked, explained recommendations.
///
/// score = w_model·σ(u·v_i + b_i) + w_content·cos(profile, e_i) + w_pattern·(best matching pattern's
/// success × quality) + w_pop·log(1+pop_i)/log(1+pop_max). With fewer than ``coldStartInteractions``
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

    public var weights = (model: 0.35, content: 0.30, pattern: 0.20, popularity: 0.15)
    public var coldStartWeights = (model: 0.0, content: 0.25, pattern: 0.25, popularity: 0.50)
    public static let coldStartInteractions = 3
    /// MMR trade-off: 1 = relevance only.
    public var lambda = 0.7

    public init() {}

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in 0..<a.count {
            dot += a[i] * b[i]
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        guard na > 0, nb > 0 else { return 0 }
        return Double(dot / (na.squareRoot() * nb.squareRoot()))
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
        contextVector: [Float]?, context: RecommendationContext, patterns: [PatternSignal], k: Int, filters: RecommendationFilters
    ) throws -> [Recommendation] {
        guard (1...1000).contains(k) else { throw HiveError(.invalidInput, "k must be in 1…1000, got \(k)") }
        guard !catalog.items.isEmpty else { return [] }
        let cold = liked.count < Self.coldStartInteractions
        let w = cold ? coldStartWeights : weights
        var candidates = score(
            catalog: catalog, liked: liked, seen: seen, model: model, modelRows: modelRows, user: user, contextVector: contextVector,
            context: context, patterns: patterns, filters: filters, only: nil)
        candidates.sort { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
        // MMR over the best few hundred.
        var pool = Array(candidates.prefix(max(k * 10, 200)))
        var chosen: [Candidate] = []
        while chosen.count < k, !pool.isEmpty {
            var best = 0
            var bestValue = -Double.infinity
            for (position, candidate) in pool.enumerated() {
                let redundancy = chosen.map { Self.cosine(catalog.vectors[$0.index], catalog.vectors[candidate.index]) }.max() ?? 0
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
        contextVector: [Float]?, context: RecommendationContext, patterns: [PatternSignal], filters: RecommendationFilters,
        only: Set<Int>?
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
        let w = cold ? coldStartWeights : weights
        let wantedGenre = context.genre?.lowercased()

        var candidates: [Candidate] = []
        for (index, item) in catalog.items.enumerated() {
            if let only, !only.contains(index) { continue }
            if filters.excludeSeen, seen.contains(index) { continue }
            if filters.excludeIDs.contains(item.id) { continue }
            let genres = Set(item.genres.map { $0.lowercased() })
            if !filters.genres.isEmpty, genres.isDisjoint(with: filters.genres.map { $0.lowercased() }) { continue }
            var modelScore = 0.0
            // The model's row for this item: the catalogue position unless a mapping is given.
            let row = modelRows.map { index < $0.count ? $0[index] : nil } ?? index
            if let model, let user, let row, row < model.itemCount, user.count == model.rank {
                modelScore = 1 / (1 + exp(-Double(model.score(user: user, item: row))))
            }
            let content = hasProfile ? max(0, Self.cosine(profile, catalog.vectors[index])) : 0
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

    static func reason(
        item: CatalogItem, components: [String: Double], pattern: String?, cold: Bool,
        weights: (model: Double, content: Double, pattern: Double, popularity: Double)
    ) -> String {
        let weighted = [
            ("model", weights.model * (components["model"] ?? 0)), ("content", weights.content * (components["content"] ?? 0)),
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
