import HiveCore

/// Fuses one round of sparse ``ModelUpdate``s into row deltas for the global model with a
/// robust ``AggregationRule``: each item row is aggregated across the twins that sent it, and
/// every twin gets ``TwinDiagnostics`` that feed reputation.
///
/// The hub feeds it updates decoded from verified envelopes, weighted by reputation
/// (``ReputationBook/weights(for:)``); nothing here does I/O.
public struct UpdateAggregator: Sendable, Hashable {
    /// The rule applied to every row.
    public var rule: AggregationRule
    /// How many versions behind the model an update may be and still count.
    public var maxStaleness: UInt64

    /// Throws `invalid-input` for rule parameters out of range.
    public init(rule: AggregationRule, maxStaleness: UInt64 = 0) throws {
        try rule.validate()
        self.rule = rule
        self.maxStaleness = maxStaleness
    }

    /// Aggregates `updates` against `model`. `weights` maps twin ids to contribution weights
    /// (reputation); twins not in it weigh 1. The mean-like rules (weighted mean, Multi-Krum's
    /// average, centred clipping, norm bounding) use the weights; median, trimmed mean and Krum's
    /// choice do not. A row whose senders all weigh 0 is left unchanged by the mean-like rules.
    ///
    /// Throws, naming the twin, when the set is empty, a twin appears twice, an update does not
    /// fit the model (rank, item range, version) or fails validation, or a weight is negative or
    /// not finite.
    public func aggregate(
        _ updates: [ModelUpdate], model: ItemFactorModel, weights: [String: Double] = [:]
    ) throws -> AggregationRound {
        try rule.validate()
        guard !updates.isEmpty else { throw HiveError(.invalidInput, "an aggregation round needs at least one update") }
        var seen = Set<String>()
        var twinWeights: [Double] = []
        for update in updates {
            guard seen.insert(update.twinID).inserted else {
                throw HiveError(.duplicate, "twin \(update.twinID) sent more than one update in this round")
            }
            try update.validate()
            try update.validate(against: model, maxStaleness: maxStaleness)
            let weight = weights[update.twinID] ?? 1
            guard weight.isFinite, weight >= 0 else {
                throw HiveError(.invalidInput, "weight for twin \(update.twinID) must be finite and ≥ 0, got \(weight)")
            }
            twinWeights.append(weight)
        }

        // Norm bounding acts on each twin's whole update, before the per-row mean.
        var scales = [Double](repeating: 1, count: updates.count)
        // What norm bounding "kept" of a twin, for its diagnostics: its scale relative to the
        // median twin's, so a bound that also trims honest updates does not cost honest twins
        // reputation, while an update ten times the typical norm keeps 0.1.
        var relativeScales = scales
        if case .normBounding(let maxNorm) = rule {
            for (t, update) in updates.enumerated() {
                let norm = update.norm
                if norm > maxNorm { scales[t] = maxNorm / norm }
            }
            let typical = RobustAggregation.medianOf(scales)
            relativeScales = scales.map { typical > 0 ? min(1, $0 / typical) : 1 }
        }

        // Senders of each item, in update order.
        var senders: [Int: [(twin: Int, row: Int)]] = [:]
        for (t, update) in updates.enumerated() {
            for (r, row) in update.rows.enumerated() { senders[row.item, default: []].append((t, r)) }
        }

        let width = model.rank + 1
        var sums = [(distance: Double, relative: Double, retained: Double, rows: Int)](
            repeating: (0, 0, 0, 0), count: updates.count)
        var fused: [RowUpdate] = []
        fused.reserveCapacity(senders.count)
        for item in senders.keys.sorted() {
            guard let contributors = senders[item] else { continue }
            let rowWeights = contributors.map { twinWeights[$0.twin] }
            if usesWeights, rowWeights.allSatisfy({ $0 == 0 }) { continue }
            var values: [Float] = []
            values.reserveCapacity(contributors.count * width)
            for c in contributors {
                let row = updates[c.twin].rows[c.row]
                let scale = Float(scales[c.twin])
                values.append(contentsOf: scale == 1 ? row.flattened : row.flattened.map { $0 * scale })
            }
            let matrix = UpdateMatrix(validatedRows: contributors.count, columns: width, values: values)
            let result = try aggregateRow(matrix, weights: rowWeights)
            fused.append(
                RowUpdate(item: item, factors: Array(result.vector[0..<model.rank]), bias: result.vector[model.rank]))

            let typical = RobustAggregation.medianOf(result.clients.map(\.distance))
            for (index, c) in contributors.enumerated() {
                let diagnostic = result.clients[index]
                let relative: Double
                if diagnostic.distance == 0 {
                    relative = 0
                } else if typical > 0 {
                    relative = min(1e6, diagnostic.distance / typical)
                } else {
                    relative = 1e6
                }
                let retained = rule.isNormBounding ? relativeScales[c.twin] : diagnostic.retained
                sums[c.twin].distance += diagnostic.distance
                sums[c.twin].relative += relative
                sums[c.twin].retained += retained
                sums[c.twin].rows += 1
            }
        }

        let twins = updates.enumerated().map { t, update -> TwinDiagnostics in
            let s = sums[t]
            guard s.rows > 0 else {
                // Every row this twin sent was skipped (all senders weighed 0): nothing was kept.
                return TwinDiagnostics(
                    twinID: update.twinID, rows: update.rows.count, meanDistance: 0, relativeDistance: 0, retained: 0,
                    excluded: true)
            }
            let count = Double(s.rows)
            let retained = s.retained / count
            return TwinDiagnostics(
                twinID: update.twinID, rows: update.rows.count, meanDistance: s.distance / count,
                relativeDistance: s.relative / count, retained: retained, excluded: retained < 0.5)
        }
        return AggregationRound(baseVersion: model.version, rule: rule, rows: fused, twins: twins)
    }

    private var usesWeights: Bool {
        switch rule {
        case .weightedMean, .multiKrum, .centeredClipping, .normBounding: true
        case .median, .trimmedMean, .krum: false
        }
    }

    private func aggregateRow(_ matrix: UpdateMatrix, weights: [Double]) throws -> DenseAggregate {
        let m = matrix.rows
        switch rule {
        case .weightedMean, .normBounding:
            return try RobustAggregation.weightedMean(matrix, weights: weights)
        case .median:
            return RobustAggregation.median(matrix)
        case .trimmedMean(let beta):
            return try RobustAggregation.trimmedMean(matrix, beta: beta)
        case .krum(let fraction):
            return try RobustAggregation.krum(matrix, byzantine: Int(fraction * Double(m)), keep: 0)
        case .multiKrum(let fraction):
            let f = Int(fraction * Double(m))
            return try RobustAggregation.krum(matrix, byzantine: f, keep: max(1, m - f), weights: weights)
        case .centeredClipping(let radius, let iterations):
            return try RobustAggregation.centeredClipping(
                matrix, weights: weights, radius: radius, iterations: iterations)
        }
    }
}

extension AggregationRule {
    var isNormBounding: Bool {
        if case .normBounding = self { return true }
        return false
    }
}
