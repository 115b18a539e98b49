import HiveCore

/// The hub's side of federated weighted ALS: from fused statistics (``WALSStatistics`` rows,
/// aggregated by ``UpdateAggregator/aggregateStatistics(_:model:weights:)``) the exact ALS
/// solve of every item row, `yᵢ = (G + Dᵢ + λI)⁻¹·bᵢ`, returned as deltas the model applies.
public enum WALSSolver {
    /// What an item step did.
    public struct Step: Sendable {
        /// Deltas (new − old) for every item row that was solved; biases are left as they are.
        public var round: AggregationRound
        /// Items whose system was not positive definite (possible only when the statistics were
        /// poisoned): their rows are left unchanged.
        public var unsolved: Int
    }

    /// The item step. Every item is solved, including items no twin sent (their `bᵢ` is 0, as
    /// in centralised ALS). Throws `invalid-input` when the statistics carry no Gram row or do
    /// not fit `model`'s layout or version.
    public static func itemStep(
        model: ItemFactorModel, statistics: AggregationRound, configuration: WALSConfiguration
    ) throws -> Step {
        try configuration.validate()
        let layout = WALSStatistics(rank: model.rank)
        let r = model.rank
        guard statistics.baseVersion == model.version else {
            throw HiveError(
                .inconsistent, "statistics aggregated against version \(statistics.baseVersion); the model is at \(model.version)")
        }
        var byItem: [Int: RowUpdate] = [:]
        for row in statistics.rows {
            guard row.factors.count + 1 == layout.width else {
                throw HiveError(.dimensionMismatch, "statistics row for item \(row.item) is not \(layout.width) wide")
            }
            guard (0...model.itemCount).contains(row.item) else {
                throw HiveError(.invalidInput, "statistics name item \(row.item); the model has \(model.itemCount) items")
            }
            byItem[row.item] = row
        }
        guard let gramRow = byItem[WALSStatistics.gramItem(itemCount: model.itemCount)] else {
            throw HiveError(.invalidInput, "the statistics carry no Gram row")
        }
        var gram = [Double](repeating: 0, count: r * r)
        var unused = [Double](repeating: 0, count: r)
        layout.accumulate(gramRow, into: &gram, &unused)
        for k in 0..<r { gram[k * r + k] += configuration.regularization }

        var rows: [RowUpdate] = []
        rows.reserveCapacity(model.itemCount)
        var unsolved = 0
        for item in 0..<model.itemCount {
            var a = gram
            var b = [Double](repeating: 0, count: r)
            if let row = byItem[item] { layout.accumulate(row, into: &a, &b) }
            let base = item * r
            guard let y = try? Cholesky.solve(lowerOf: a, b, n: r), y.allSatisfy({ $0.isFinite && abs($0) < 1e5 }) else {
                unsolved += 1
                continue
            }
            rows.append(RowUpdate(
                item: item, factors: (0..<r).map { Float(y[$0]) - model.factors[base + $0] }, bias: 0))
        }
        return Step(
            round: AggregationRound(baseVersion: model.version, rule: statistics.rule, rows: rows, twins: statistics.twins),
            unsolved: unsolved)
    }

    /// The exact sum of every twin's statistics, row by row (in Double): what centralised ALS
    /// with all data in one place computes, and the reference the federated sum must equal.
    public static func sum(_ updates: [ModelUpdate], model: ItemFactorModel) throws -> AggregationRound {
        let layout = WALSStatistics(rank: model.rank)
        var totals: [Int: [Double]] = [:]
        for update in updates {
            try layout.validate(update, model: model)
            for row in update.rows {
                var total = totals[row.item] ?? [Double](repeating: 0, count: layout.width)
                for k in row.factors.indices { total[k] += Double(row.factors[k]) }
                total[layout.width - 1] += Double(row.bias)
                totals[row.item] = total
            }
        }
        let rows = totals.keys.sorted().compactMap { item -> RowUpdate? in
            guard let total = totals[item] else { return nil }
            return RowUpdate(item: item, factors: total.dropLast().map { Float($0) }, bias: Float(total[layout.width - 1]))
        }
        return AggregationRound(baseVersion: model.version, rule: .weightedMean, rows: rows, twins: [])
    }
}
