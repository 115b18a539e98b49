import HiveCore

/// The global part of the implicit-feedback matrix-factorisation recommender: one factor row
/// and one bias per item, versioned. User vectors never appear here; they stay on the twins.
///
/// A user's affinity for an item is `user · factors(item) + bias(item)`. The hub advances the
/// version each time it applies an aggregation round and records, per row, the version that
/// last changed it, so twins can pull only the rows changed since the version they hold
/// (``delta(since:)``).
public struct ItemFactorModel: Sendable, Hashable, Codable {
    /// Largest number of items a model may hold.
    public static let maxItems = 10_000_000

    /// Monotonic model version; 0 is the initial model.
    public internal(set) var version: UInt64
    /// Number of items (rows).
    public let itemCount: Int
    /// Factor rank (columns).
    public let rank: Int
    /// Row-major `itemCount × rank` factors.
    public internal(set) var factors: [Float]
    /// One bias per item.
    public internal(set) var biases: [Float]
    /// Per item, the version that last changed its row.
    public internal(set) var rowVersions: [UInt64]

    /// A validated model. Throws on shape mismatches, non-finite values or row versions newer
    /// than `version`.
    public init(
        version: UInt64, itemCount: Int, rank: Int, factors: [Float], biases: [Float], rowVersions: [UInt64]? = nil
    ) throws {
        self.version = version
        self.itemCount = itemCount
        self.rank = rank
        self.factors = factors
        self.biases = biases
        self.rowVersions = rowVersions ?? [UInt64](repeating: version, count: max(0, itemCount))
        try validate()
    }

    /// A fresh model (version 0) with small Gaussian factors (σ = `scale`) and zero biases,
    /// reproducible from `seed`.
    public init(itemCount: Int, rank: Int, scale: Float = 0.1, seed: UInt64) throws {
        guard (1...Self.maxItems).contains(itemCount) else {
            throw HiveError(.invalidInput, "item count must be in 1…\(Self.maxItems), got \(itemCount)")
        }
        guard (1...ModelUpdate.maxRank).contains(rank) else {
            throw HiveError(.invalidInput, "rank must be in 1…\(ModelUpdate.maxRank), got \(rank)")
        }
        var rng = SeededGenerator(seed: seed)
        let values = (0..<(itemCount * rank)).map { _ in Float(rng.nextGaussian()) * scale }
        try self.init(
            version: 0, itemCount: itemCount, rank: rank, factors: values,
            biases: [Float](repeating: 0, count: itemCount))
    }

    enum CodingKeys: String, CodingKey {
        case version
        case itemCount = "item_count"
        case rank, factors, biases
        case rowVersions = "row_versions"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(UInt64.self, forKey: .version)
        itemCount = try c.decode(Int.self, forKey: .itemCount)
        rank = try c.decode(Int.self, forKey: .rank)
        factors = try c.decode([Float].self, forKey: .factors)
        biases = try c.decode([Float].self, forKey: .biases)
        rowVersions = try c.decode([UInt64].self, forKey: .rowVersions)
        try validate()
    }

    /// Checks shapes and values; the error names the field.
    public func validate() throws {
        guard (1...Self.maxItems).contains(itemCount) else {
            throw HiveError(.invalidInput, "item_count must be in 1…\(Self.maxItems), got \(itemCount)")
        }
        guard (1...ModelUpdate.maxRank).contains(rank) else {
            throw HiveError(.invalidInput, "rank must be in 1…\(ModelUpdate.maxRank), got \(rank)")
        }
        guard factors.count == itemCount * rank else {
            throw HiveError(
                .dimensionMismatch, "factors has \(factors.count) values; expected \(itemCount) × \(rank)")
        }
        guard biases.count == itemCount else {
            throw HiveError(.dimensionMismatch, "biases has \(biases.count) values; expected \(itemCount)")
        }
        guard rowVersions.count == itemCount else {
            throw HiveError(.dimensionMismatch, "row_versions has \(rowVersions.count) values; expected \(itemCount)")
        }
        try Validation.checkFinite(factors, field: "factors")
        try Validation.checkFinite(biases, field: "biases")
        if let index = rowVersions.firstIndex(where: { $0 > version }) {
            throw HiveError(
                .inconsistent,
                "row_versions[\(index)] = \(rowVersions[index]) is newer than the model version \(version)")
        }
    }

    /// The factors of `item` (unchecked index: callers validated it).
    public func factors(of item: Int) -> ArraySlice<Float> {
        factors[(item * rank)..<((item + 1) * rank)]
    }

    /// `item`'s current row.
    public func row(_ item: Int) throws -> ItemRow {
        guard (0..<itemCount).contains(item) else {
            throw HiveError(.notFound, "item \(item) is outside the model's \(itemCount) items")
        }
        return ItemRow(item: item, factors: Array(factors(of: item)), bias: biases[item])
    }

    /// `user · factors(item) + bias(item)`.
    public func score(user: [Float], item: Int) -> Float {
        var s = biases[item]
        let base = item * rank
        for k in 0..<min(rank, user.count) { s += user[k] * factors[base + k] }
        return s
    }

    /// The `k` highest-scoring items for `user`, best first (ties by lower item index), leaving
    /// out `excluding` (items the user already has).
    public func recommend(user: [Float], k: Int, excluding: Set<Int> = []) throws -> [Int] {
        guard user.count == rank else {
            throw HiveError(.dimensionMismatch, "user vector has \(user.count) values; the model's rank is \(rank)")
        }
        guard k >= 0 else { throw HiveError(.invalidInput, "k must be ≥ 0, got \(k)") }
        var scored: [(Float, Int)] = []
        scored.reserveCapacity(itemCount)
        for item in 0..<itemCount where !excluding.contains(item) {
            scored.append((score(user: user, item: item), item))
        }
        scored.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        return scored.prefix(k).map(\.1)
    }

    /// The model after applying an aggregation round's row deltas, scaled by `learningRate`
    /// (the server learning rate; 1 applies the aggregate as is). The version advances by one and
    /// every changed row records it. Throws (leaving nothing changed) when the round does not
    /// fit this model.
    public func applying(_ round: AggregationRound, learningRate: Float = 1) throws -> ItemFactorModel {
        var next = self
        try next.apply(round, learningRate: learningRate)
        return next
    }

    /// Applies an aggregation round in place — what ``applying(_:learningRate:)`` returns,
    /// without copying the model. Only the rows the round touches are checked (the rest were
    /// valid already), so a round costs its own size, not the model's: centralised training
    /// applies one twin's update at a time. Throws, leaving the model unchanged, when the round
    /// does not fit (version, item range, rank, a value that would overflow to infinity).
    public mutating func apply(_ round: AggregationRound, learningRate: Float = 1) throws {
        guard round.baseVersion == version else {
            throw HiveError(
                .inconsistent,
                "the round was aggregated against version \(round.baseVersion); the model is at \(version)")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw HiveError(.invalidInput, "the server learning rate must be finite and > 0, got \(learningRate)")
        }
        // Check everything before writing anything, so a bad row leaves the model as it was.
        var touched = Set<Int>()
        for row in round.rows {
            guard (0..<itemCount).contains(row.item), row.factors.count == rank else {
                throw HiveError(.dimensionMismatch, "aggregated row for item \(row.item) does not fit the model")
            }
            guard touched.insert(row.item).inserted else {
                throw HiveError(.invalidInput, "the round changes item \(row.item) twice")
            }
            let base = row.item * rank
            for k in 0..<rank where !(factors[base + k] + learningRate * row.factors[k]).isFinite {
                throw HiveError(.invalidInput, "factors[\(base + k)] would not be finite after the round")
            }
            guard (biases[row.item] + learningRate * row.bias).isFinite else {
                throw HiveError(.invalidInput, "biases[\(row.item)] would not be finite after the round")
            }
        }
        version += 1
        for row in round.rows {
            let base = row.item * rank
            for k in 0..<rank { factors[base + k] += learningRate * row.factors[k] }
            biases[row.item] += learningRate * row.bias
            rowVersions[row.item] = version
        }
    }
}
