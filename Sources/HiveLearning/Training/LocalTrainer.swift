import Foundation
import HiveCore

/// Trains on one twin's interactions against the current global item factors: updates the
/// twin's private user vector and produces a sparse, clipped item-row update for the hub.
///
/// **Objective.** BPR with sampled negatives by default; weighted ALS (closed-form user
/// solve, SGD on the touched item rows) is available for comparison. The choice is measured
/// in docs/learning.md: BPR reached a higher hit rate in the federated simulation and its
/// per-row gradients only ever touch the positives and the sampled negatives, which keeps
/// updates sparse without changing the objective; full WALS needs every item's row on every
/// step.
///
/// **Privacy, honestly.** The update is clipped to `clipNorm` in L2 and, with
/// `noiseMultiplier` σ > 0, every coordinate of every touched row gets N(0, (σ·clipNorm)²).
/// That is the Gaussian mechanism's shape, but **no (ε, δ) accounting is provided**, and the
/// guarantee it would suggest does not hold as is: (1) the *set* of rows sent is itself
/// revealed — it contains the user's positives (plus sampled negatives as cover), and noise
/// protects values, not membership; (2) nothing composes the privacy loss over rounds. A real
/// guarantee needs a fixed or dense row set (or secure aggregation) and an RDP/moments
/// accountant; until then treat the noise as value blurring, not differential privacy.
public struct LocalTrainer: Sendable, Hashable {
    /// Objective, step sizes, clipping and noise.
    public var configuration: TrainerConfiguration

    public init(configuration: TrainerConfiguration) {
        self.configuration = configuration
    }

    /// Runs local training. `user` is the twin's current vector (nil: a fresh small random
    /// one). Throws `invalid-input` / `dimension-mismatch` for interactions outside the model,
    /// non-positive or non-finite weights, a user vector of the wrong length or with non-finite
    /// values, no interactions, or a twin that has interacted with every item (nothing to
    /// sample as a negative).
    public func train(
        model: ItemFactorModel, user: [Float]?, interactions: [Interaction], twinID: String,
        using source: inout some RandomNumberGenerator
    ) throws -> TrainingOutcome {
        // One draw from the caller's generator seeds a concrete one: the hot loops below then
        // run specialised even when the caller (another module) passes its own generator type.
        var rng = SeededGenerator(seed: source.next())
        try configuration.validate()
        let positives = try Self.positives(interactions, itemCount: model.itemCount)
        guard positives.count < model.itemCount else {
            throw HiveError(.invalidInput, "the twin interacted with every item; no negatives can be sampled")
        }
        let rank = model.rank
        var u: [Float]
        if let user {
            guard user.count == rank else {
                throw HiveError(.dimensionMismatch, "user vector has \(user.count) values; the model's rank is \(rank)")
            }
            try Validation.checkFinite(user, field: "user")
            u = user
        } else {
            u = (0..<rank).map { _ in Float(rng.nextGaussian()) * 0.1 }
        }
        var positiveSet = [Bool](repeating: false, count: model.itemCount)
        for p in positives { positiveSet[p.item] = true }
        var workspace = Workspace(model: model)

        // A fixed evaluation sample, drawn before training so before/after compare like with like.
        var evaluation: [(Int, Int)] = []
        for p in positives {
            for _ in 0..<4 {
                evaluation.append(
                    (p.item, Self.negative(excluding: positiveSet, itemCount: model.itemCount, using: &rng)))
            }
        }
        let lossBefore = Self.bprLoss(evaluation, user: u, model: model, sent: [:])

        let c = configuration
        switch c.algorithm {
        case .bpr:
            var order = positives
            for _ in 0..<c.epochs {
                order.shuffle(using: &rng)
                for p in order {
                    for _ in 0..<c.negativesPerPositive {
                        let j = Self.negative(excluding: positiveSet, itemCount: model.itemCount, using: &rng)
                        workspace.bprStep(
                            user: &u, positive: p.item, negative: j, weight: p.weight, rate: c.learningRate,
                            reg: c.regularization)
                    }
                }
            }
        case .weightedALS:
            for _ in 0..<c.epochs {
                var targets: [(item: Int, preference: Float, confidence: Float)] = positives.map {
                    ($0.item, 1, 1 + c.confidenceScale * $0.weight)
                }
                for _ in 0..<(positives.count * c.negativesPerPositive) {
                    targets.append(
                        (Self.negative(excluding: positiveSet, itemCount: model.itemCount, using: &rng), 0, 1))
                }
                u = try workspace.solveUser(targets, reg: c.regularization, rank: rank)
                targets.shuffle(using: &rng)
                for t in targets {
                    workspace.alsItemStep(
                        user: u, item: t.item, preference: t.preference, confidence: t.confidence, rate: c.learningRate,
                        reg: c.regularization)
                }
            }
        }

        // Deltas of the touched rows, clipped as a whole, then noised.
        var deltas = workspace.deltas()
        let norm = deltas.reduce(0.0) { $0 + $1.delta.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot()
        let scale = norm > c.clipNorm ? c.clipNorm / norm : 1
        let sigma = c.noiseMultiplier * c.clipNorm
        for index in deltas.indices {
            for k in deltas[index].delta.indices {
                var v = Double(deltas[index].delta[k]) * scale
                if sigma > 0 { v += rng.nextGaussian() * sigma }
                deltas[index].delta[k] = Float(v)
            }
        }
        let rows = deltas.map { RowUpdate(item: $0.item, factors: Array($0.delta[0..<rank]), bias: $0.delta[rank]) }
        let update = try ModelUpdate(
            twinID: twinID, baseVersion: model.version, rank: rank, rows: rows, interactionCount: positives.count)

        var sent: [Int: Int] = [:]
        for (index, row) in rows.enumerated() { sent[row.item] = index }
        let lossAfter = Self.bprLoss(evaluation, user: u, model: model, sent: sent, rows: rows)
        return TrainingOutcome(
            user: u, update: update, lossBefore: lossBefore, lossAfter: lossAfter, unclippedNorm: norm, clipScale: scale
        )
    }

    /// Validated positives, duplicates merged by summing weights, ascending by item.
    static func positives(_ interactions: [Interaction], itemCount: Int) throws -> [Interaction] {
        guard !interactions.isEmpty else { throw HiveError(.invalidInput, "training needs at least one interaction") }
        var merged: [Int: Float] = [:]
        for (index, i) in interactions.enumerated() {
            guard (0..<itemCount).contains(i.item) else {
                throw HiveError(
                    .invalidInput, "interactions[\(index)] names item \(i.item); the model has \(itemCount) items")
            }
            guard i.weight.isFinite, i.weight > 0, i.weight <= 1e6 else {
                throw HiveError(
                    .invalidInput, "interactions[\(index)] has weight \(i.weight); weights must be in (0, 1e6]")
            }
            merged[i.item, default: 0] += i.weight
        }
        return merged.keys.sorted().map { Interaction(item: $0, weight: merged[$0] ?? 0) }
    }

    /// A uniformly random item the user has not interacted with (rejection sampling; the caller
    /// guarantees one exists).
    static func negative(excluding positives: [Bool], itemCount: Int, using rng: inout SeededGenerator) -> Int {
        let count = UInt64(itemCount)
        while true {
            // Modulo bias is below itemCount / 2⁶⁴: negligible for any model size allowed.
            let j = Int(rng.next() % count)
            if !positives[j] { return j }
        }
    }

    /// Mean −ln σ(u·(vᵢ − vⱼ) + bᵢ − bⱼ) over the pairs, on `model`'s rows plus, for the items
    /// in `sent` (item → index into `rows`), the update's deltas. No per-pair allocation: this
    /// runs on every local training call.
    static func bprLoss(
        _ pairs: [(Int, Int)], user: [Float], model: ItemFactorModel, sent: [Int: Int], rows: [RowUpdate] = []
    ) -> Double {
        guard !pairs.isEmpty else { return 0 }
        let rank = user.count
        var total = 0.0
        model.factors.withUnsafeBufferPointer { factors in
            func score(_ item: Int) -> Double {
                var x = Double(model.biases[item])
                let base = item * rank
                if let r = sent[item] {
                    let row = rows[r]
                    x += Double(row.bias)
                    for k in 0..<rank { x += Double(user[k]) * Double(factors[base + k] + row.factors[k]) }
                } else {
                    for k in 0..<rank { x += Double(user[k]) * Double(factors[base + k]) }
                }
                return x
            }
            for (i, j) in pairs {
                let x = score(i) - score(j)
                // −ln σ(x) = ln(1 + e^(−x)), computed stably.
                total += x > 0 ? log1p(exp(-x)) : -x + log1p(exp(x))
            }
        }
        return total / Double(pairs.count)
    }
}
