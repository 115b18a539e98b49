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

    /// Mean or sum of each row's senders (see ``RowCombination``); `.mean` by default.
    public var combination: RowCombination
    /// Whether diagnostics carry each twin's agreement with the fused update
    /// (``TwinDiagnostics/agreement``), which then scales its reputation quality: a twin pushing
    /// against the consensus (sign flip, inner-product manipulation) or orthogonal to it (noise)
    /// loses weight in later rounds even when a norm bound already tamed its size.
    public var scoresAgreement: Bool
    /// What agreement is measured against (``AgreementReference/fused`` by default).
    public var agreementReference: AgreementReference
    /// When set, each sender's row is also bounded at this multiple of the median norm of that
    /// row's senders (after the whole-update bound): a twin may be typical overall and still
    /// not dominate a single item. nil (default): no per-row bound.
    public var rowNormMultiple: Double?
    /// How the norm-bounding rules measure an update (``NormBasis/whole`` by default).
    public var normBasis: NormBasis
    /// For ``aggregateStatistics(_:model:weights:)``: score agreement on the statistics' linear
    /// part (each row's `c·x`) only — true by default. The packed `(c−1)·x·xᵀ` part is most of a
    /// row's norm and the same for x and −x, so a cosine over whole rows barely sees a sender
    /// that reversed or replaced its vector's direction (sign flip, IPM); the linear part carries
    /// the direction. ``aggregate(_:model:weights:)`` always uses whole rows.
    public var linearStatisticsAgreement: Bool

    /// Throws `invalid-input` for rule parameters out of range.
    public init(
        rule: AggregationRule, maxStaleness: UInt64 = 0, combination: RowCombination = .mean,
        scoresAgreement: Bool = false, agreementReference: AgreementReference = .fused, rowNormMultiple: Double? = nil,
        normBasis: NormBasis = .whole, linearStatisticsAgreement: Bool = true
    ) throws {
        try rule.validate()
        if let rowNormMultiple, !(rowNormMultiple.isFinite && rowNormMultiple > 0 && rowNormMultiple <= 1e6) {
            throw HiveError(.invalidInput, "the per-row norm multiple must be in (0, 1e6], got \(rowNormMultiple)")
        }
        self.rowNormMultiple = rowNormMultiple
        self.normBasis = normBasis
        self.linearStatisticsAgreement = linearStatisticsAgreement
        self.agreementReference = agreementReference
        self.rule = rule
        self.maxStaleness = maxStaleness
        self.combination = combination
        self.scoresAgreement = scoresAgreement
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
        let twinWeights = try validatedWeights(updates, weights: weights) { update in
            try update.validate(against: model, maxStaleness: maxStaleness)
        }
        return try fuse(updates, twinWeights: twinWeights, rank: model.rank, version: model.version)
    }

    /// Aggregates weighted-ALS sufficient statistics (``WALSStatistics``) against `model`: the
    /// same rule, row combination, bounds and diagnostics as ``aggregate(_:model:weights:)``,
    /// over rows of the statistics layout (each item's `c·x` and packed `(c−1)·x·xᵀ`, plus the
    /// shared Gram row at index `model.itemCount`). The fused rows are statistics, not deltas:
    /// ``WALSSolver/itemStep(model:statistics:configuration:)`` turns them into the model's
    /// next item rows. Throws as ``aggregate(_:model:weights:)`` does, and when an update is not
    /// in the layout of `model`'s rank.
    public func aggregateStatistics(
        _ updates: [ModelUpdate], model: ItemFactorModel, weights: [String: Double] = [:]
    ) throws -> AggregationRound {
        let layout = WALSStatistics(rank: model.rank)
        let twinWeights = try validatedWeights(updates, weights: weights) { update in
            try layout.validate(update, model: model, maxStaleness: maxStaleness)
        }
        return try fuse(
            updates, twinWeights: twinWeights, rank: layout.width - 1, version: model.version,
            agreementColumns: linearStatisticsAgreement ? layout.rank : nil)
    }

    /// Checks the rule and every update of a round (non-empty, one per twin, valid on its own and
    /// by `fitsModel`) and returns each update's weight, in order.
    private func validatedWeights(
        _ updates: [ModelUpdate], weights: [String: Double], fitsModel: (ModelUpdate) throws -> Void
    ) throws -> [Double] {
        try rule.validate()
        guard !updates.isEmpty else { throw HiveError(.invalidInput, "an aggregation round needs at least one update") }
        var seen = Set<String>()
        var twinWeights: [Double] = []
        for update in updates {
            guard seen.insert(update.twinID).inserted else {
                throw HiveError(.duplicate, "twin \(update.twinID) sent more than one update in this round")
            }
            try update.validate()
            try fitsModel(update)
            twinWeights.append(try Self.weight(of: update, in: weights))
        }
        return twinWeights
    }

    private static func weight(of update: ModelUpdate, in weights: [String: Double]) throws -> Double {
        let weight = weights[update.twinID] ?? 1
        guard weight.isFinite, weight >= 0 else {
            throw HiveError(.invalidInput, "weight for twin \(update.twinID) must be finite and ≥ 0, got \(weight)")
        }
        return weight
    }

    /// The rule over validated updates whose rows are `rank` + 1 wide. `agreementColumns`: score
    /// agreement on each row's leading this-many factors only (nil: the whole row).
    private func fuse(
        _ updates: [ModelUpdate], twinWeights: [Double], rank: Int, version: UInt64, agreementColumns: Int? = nil
    ) throws -> AggregationRound {
        // Norm bounding acts on each twin's whole update, before the per-row mean.
        var scales = [Double](repeating: 1, count: updates.count)
        // What norm bounding "kept" of a twin, for its diagnostics: its scale relative to the
        // median twin's, so a bound that also trims honest updates does not cost honest twins
        // reputation, while an update ten times the typical norm keeps 0.1.
        var relativeScales = scales
        let measures = updates.map(normMeasure)
        if let bound = normBound(measures) {
            for (t, measure) in measures.enumerated() where measure > bound { scales[t] = bound / measure }
            let typical = RobustAggregation.medianOf(scales)
            relativeScales = scales.map { typical > 0 ? min(1, $0 / typical) : 1 }
        }

        // Senders of each item, in update order.
        var senders: [Int: [(twin: Int, row: Int)]] = [:]
        for (t, update) in updates.enumerated() {
            for (r, row) in update.rows.enumerated() { senders[row.item, default: []].append((t, r)) }
        }

        let width = rank + 1
        // For `.sum`: a twin of the round's median weight counts as one sender.
        let referenceWeight = RobustAggregation.medianOf(twinWeights.filter { $0 > 0 })
        var fusedIndex: [Int: Int] = [:]
        var sums = [(distance: Double, relative: Double, retained: Double, rows: Int)](
            repeating: (0, 0, 0, 0), count: updates.count)
        var fused: [RowUpdate] = []
        fused.reserveCapacity(senders.count)
        // Per fused row (same index), the agreement reference when it is not the fused row itself.
        let medianReference = scoresAgreement && agreementReference == .coordinateMedian
        var references: [RowUpdate] = []
        for item in senders.keys.sorted() {
            guard let contributors = senders[item] else { continue }
            let rowWeights = contributors.map { twinWeights[$0.twin] }
            if usesWeights, rowWeights.allSatisfy({ $0 == 0 }) { continue }
            var values: [Float] = []
            values.reserveCapacity(contributors.count * width)
            // Per-row bound: each sender's (already whole-update-bounded) row at most
            // `rowNormMultiple` × the row's median sender norm, so no twin dominates one item.
            var rowScales = [Double](repeating: 1, count: contributors.count)
            if let multiple = rowNormMultiple, contributors.count > 1 {
                let norms = contributors.map { updates[$0.twin].rows[$0.row].squaredNorm.squareRoot() * scales[$0.twin] }
                let bound = multiple * RobustAggregation.medianOf(norms)
                for (index, norm) in norms.enumerated() where bound > 0 && norm > bound { rowScales[index] = bound / norm }
            }
            for (index, c) in contributors.enumerated() {
                let row = updates[c.twin].rows[c.row]
                let scale = Float(scales[c.twin] * rowScales[index])
                if scale == 1 {
                    values.append(contentsOf: row.factors)
                    values.append(row.bias)
                } else {
                    for v in row.factors { values.append(v * scale) }
                    values.append(row.bias * scale)
                }
            }
            let matrix = UpdateMatrix(validatedRows: contributors.count, columns: width, values: values)
            let result = try aggregateRow(matrix, weights: rowWeights)
            var vector = result.vector
            if combination == .sum {
                let senders =
                    usesWeights
                    ? (referenceWeight > 0 ? rowWeights.reduce(0, +) / referenceWeight : 0)
                    : Double(contributors.count)
                let factor = Float(senders)
                for k in vector.indices { vector[k] *= factor }
            }
            fusedIndex[item] = fused.count
            fused.append(RowUpdate(item: item, factors: Array(vector[0..<rank]), bias: vector[rank]))
            if medianReference {
                let median = RobustAggregation.median(matrix, diagnostics: false).vector
                references.append(RowUpdate(item: item, factors: Array(median[0..<rank]), bias: median[rank]))
            }

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

        let agreements =
            scoresAgreement
            ? relativeAgreements(
                updates, fused: medianReference ? references : fused, index: fusedIndex, columns: agreementColumns)
            : nil
        let twins = updates.enumerated().map { t, update -> TwinDiagnostics in
            let s = sums[t]
            guard s.rows > 0 else {
                // Every row this twin sent was skipped (all senders weighed 0): nothing was kept.
                return TwinDiagnostics(
                    twinID: update.twinID, rows: update.rows.count, meanDistance: 0, relativeDistance: 0, retained: 0,
                    excluded: true, agreement: agreements.map { _ in 0 })
            }
            let count = Double(s.rows)
            let retained = s.retained / count
            return TwinDiagnostics(
                twinID: update.twinID, rows: update.rows.count, meanDistance: s.distance / count,
                relativeDistance: s.relative / count, retained: retained, excluded: retained < 0.5,
                agreement: agreements?[t])
        }
        return AggregationRound(baseVersion: version, rule: rule, rows: fused, twins: twins)
    }

    private var usesWeights: Bool {
        switch rule {
        case .weightedMean, .multiKrum, .centeredClipping, .normBounding, .medianNormBounding: true
        case .median, .trimmedMean, .krum: false
        }
    }

    /// What the norm bound is compared with, per ``normBasis``.
    private func normMeasure(_ update: ModelUpdate) -> Double {
        switch normBasis {
        case .whole: update.norm
        case .perRow: update.norm / Double(max(1, update.rows.count)).squareRoot()
        }
    }

    /// The norm bound of the round for the norm-bounding rules (nil for the others), on the
    /// updates' ``normMeasure(_:)``s.
    private func normBound(_ measures: [Double]) -> Double? {
        switch rule {
        case .normBounding(let maxNorm): return maxNorm
        case .medianNormBounding(let multiple):
            let median = RobustAggregation.medianOf(measures)
            return median > 0 ? multiple * median : nil
        default: return nil
        }
    }

    /// Per twin: the cosine between its update and the fused update over the rows it sent,
    /// divided by the median twin's cosine (so a typical honest twin scores about 1 whatever
    /// the round's noise level; opposing or orthogonal twins score ≤ 0). All zeros when the
    /// median cosine is not positive (no consensus to agree with).
    /// `columns`: only each row's leading this-many factors count (nil: factors and bias).
    private func relativeAgreements(
        _ updates: [ModelUpdate], fused: [RowUpdate], index: [Int: Int], columns: Int? = nil
    ) -> [Double] {
        let cosines = updates.map { update -> Double in
            var dot = 0.0, own = 0.0, consensus = 0.0
            for row in update.rows {
                guard let f = index[row.item] else { continue }
                let target = fused[f]
                if columns == nil {
                    dot += Double(row.bias) * Double(target.bias)
                    own += Double(row.bias) * Double(row.bias)
                    consensus += Double(target.bias) * Double(target.bias)
                }
                for k in 0..<min(columns ?? row.factors.count, row.factors.count) {
                    let a = Double(row.factors[k]), b = Double(target.factors[k])
                    dot += a * b
                    own += a * a
                    consensus += b * b
                }
            }
            let denominator = (own * consensus).squareRoot()
            return denominator > 0 ? dot / denominator : 0
        }
        let typical = RobustAggregation.medianOf(cosines)
        guard typical > 0 else { return cosines.map { _ in 0 } }
        return cosines.map { min(1e6, $0 / typical) }
    }

    private func aggregateRow(_ matrix: UpdateMatrix, weights: [Double]) throws -> DenseAggregate {
        let m = matrix.rows
        switch rule {
        case .weightedMean, .normBounding, .medianNormBounding:
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
        switch self {
        case .normBounding, .medianNormBounding: true
        default: false
        }
    }
}
