import HiveCore

/// The twin's side of federated weighted ALS: solve the private user vector in closed form
/// against the current item factors, then send the item rows' sufficient statistics
/// (``WALSStatistics``) from which the hub takes the exact ALS step for every item
/// (``WALSSolver``). The user vector itself is never sent.
///
/// One round of federated ALS with every twin's statistics summed is one iteration of
/// centralised ALS (users, then items) on the union of the twins' data.
public struct WALSTrainer: Sendable, Hashable {
    public var configuration: WALSConfiguration

    public init(configuration: WALSConfiguration) { self.configuration = configuration }

    /// `Yᵀ·Y` of the model's item factors (rank × rank, row-major, Double): the part of every
    /// user's system shared by all users. A twin computes it once per pulled model version.
    public static func gram(of model: ItemFactorModel) -> [Double] {
        let r = model.rank
        var g = [Double](repeating: 0, count: r * r)
        model.factors.withUnsafeBufferPointer { y in
            var row = [Double](repeating: 0, count: r)
            for item in 0..<model.itemCount {
                let base = item * r
                for k in 0..<r { row[k] = Double(y[base + k]) }
                for p in 0..<r {
                    let vp = row[p]
                    for q in 0...p { g[p * r + q] += vp * row[q] }
                }
            }
        }
        return g
    }

    /// The closed-form user vector: `(YᵀY + Σᵢ (cᵢ − 1)·yᵢ·yᵢᵀ + λI)·x = Σᵢ cᵢ·yᵢ` over the
    /// twin's positives (duplicates merged). `gram` must be ``gram(of:)`` of `model`. Throws
    /// `invalid-input` for interactions outside the model or with bad weights, or a Gram of the
    /// wrong size.
    public func solveUser(model: ItemFactorModel, gram: [Double], interactions: [Interaction]) throws -> [Float] {
        let r = model.rank
        guard gram.count == r * r else {
            throw HiveError(.dimensionMismatch, "the Gram matrix has \(gram.count) values; rank \(r) needs \(r * r)")
        }
        let positives = try LocalTrainer.positives(interactions, itemCount: model.itemCount)
        var a = gram
        var b = [Double](repeating: 0, count: r)
        var y = [Double](repeating: 0, count: r)
        for p in positives {
            let c = 1 + configuration.alpha * Double(p.weight)
            let base = p.item * r
            for k in 0..<r { y[k] = Double(model.factors[base + k]) }
            for k in 0..<r { b[k] += c * y[k] }
            let extra = c - 1
            for i in 0..<r {
                let wi = extra * y[i]
                for j in 0...i { a[i * r + j] += wi * y[j] }
            }
        }
        for k in 0..<r { a[k * r + k] += configuration.regularization }
        return try Cholesky.solve(lowerOf: a, b, n: r).map(Float.init)
    }

    /// The statistics a twin with vector `user` sends for its `interactions`: one row per
    /// positive item and the Gram row (``WALSStatistics``). Throws as ``solveUser`` does, and
    /// for a user vector of the wrong length or with non-finite values.
    public func statistics(
        model: ItemFactorModel, user: [Float], interactions: [Interaction], twinID: String
    ) throws -> ModelUpdate {
        let layout = WALSStatistics(rank: model.rank)
        guard user.count == model.rank else {
            throw HiveError(.dimensionMismatch, "user vector has \(user.count) values; the model's rank is \(model.rank)")
        }
        try Validation.checkFinite(user, field: "user")
        let positives = try LocalTrainer.positives(interactions, itemCount: model.itemCount)
        let x = user.map(Double.init)
        var rows = positives.map { p -> RowUpdate in
            let c = 1 + configuration.alpha * Double(p.weight)
            return layout.row(item: p.item, user: x, scale: c, outer: c - 1)
        }
        rows.append(layout.row(item: WALSStatistics.gramItem(itemCount: model.itemCount), user: x, scale: 0, outer: 1))
        return try ModelUpdate(
            twinID: twinID, baseVersion: model.version, rank: layout.width - 1, rows: rows,
            interactionCount: positives.count)
    }

    /// One local step: the user solve, then the statistics for it.
    public func train(
        model: ItemFactorModel, gram: [Double], interactions: [Interaction], twinID: String
    ) throws -> (user: [Float], statistics: ModelUpdate) {
        let user = try solveUser(model: model, gram: gram, interactions: interactions)
        return (user, try statistics(model: model, user: user, interactions: interactions, twinID: twinID))
    }
}
