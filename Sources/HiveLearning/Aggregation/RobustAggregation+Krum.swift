import HiveCore

extension RobustAggregation {
    /// Krum (Blanchard et al. 2017) and Multi-Krum, as Flower's `aggregate_krum` defines them.
    ///
    /// Each client's score is the sum of squared distances to its `max(1, n − f − 2)` nearest
    /// other clients. With `keep == 0` the result is the single lowest-scoring client's vector
    /// (Krum); with `keep > 0` it is the weighted mean of the `keep` lowest-scoring clients
    /// (Multi-Krum). Distances come from one blocked Gram matrix, so the cost is n²·d/2
    /// multiply-adds and the diagnostics' distances to the aggregate come for free. In the
    /// diagnostics a client is kept when Multi-Krum keeps it (for plain Krum: when it is among
    /// the n − f best scores).
    ///
    /// Throws `invalid-input` when `byzantine` is negative or `keep` is outside 0…n, and
    /// (Multi-Krum only) for bad weights.
    public static func krum(
        _ matrix: UpdateMatrix, byzantine: Int, keep: Int = 0, weights: [Double]? = nil, diagnostics: Bool = true
    ) throws -> DenseAggregate {
        let n = matrix.rows
        guard byzantine >= 0 else {
            throw HiveError(.invalidInput, "the number of Byzantine clients must be ≥ 0, got \(byzantine)")
        }
        guard keep >= 0, keep <= n else {
            throw HiveError(.invalidInput, "Multi-Krum must keep between 0 and \(n) updates, got \(keep)")
        }
        let normalizedWeights = try normalize(weights ?? [Double](repeating: 1, count: n), rows: n)
        let gram = GramMatrix(matrix)
        let scores = krumScores(gram, byzantine: byzantine)
        // Ascending score, ties by index (deterministic; Flower's unstable argsort may differ
        // only on exact ties).
        let order = (0..<n).sorted { (scores[$0], $0) < (scores[$1], $1) }
        let chosen = Array(order.prefix(max(keep, 1))).sorted()

        let vector: [Float]
        var coefficients = [Double](repeating: 0, count: n)
        if keep == 0 {
            coefficients[chosen[0]] = 1
            vector = Array(matrix.row(chosen[0]))
        } else {
            let total = chosen.reduce(0.0) { $0 + normalizedWeights[$1] }
            guard total > 0 else {
                throw HiveError(.invalidInput, "the updates Multi-Krum kept all have zero weight")
            }
            for i in chosen { coefficients[i] = normalizedWeights[i] / total }
            vector = combine(matrix, coefficients: coefficients)
        }
        guard diagnostics else { return DenseAggregate(vector: vector, clients: [], selected: chosen) }

        // ‖xᵢ − Σₛ cₛxₛ‖² = Gᵢᵢ − 2 Σₛ cₛ Gᵢₛ + Σₛ Σₜ cₛ cₜ Gₛₜ, all from the Gram matrix.
        var centre = 0.0
        for s in chosen {
            for t in chosen { centre += coefficients[s] * coefficients[t] * gram[s, t] }
        }
        // Plain Krum returns one client, but the others are not all suspect: for diagnostics a
        // client counts as kept when it is among the n − f best scores (what Multi-Krum keeps).
        let selected = keep == 0 ? Set(order.prefix(max(1, n - byzantine))) : Set(chosen)
        let clients = (0..<n).map { i -> ClientDiagnostic in
            var cross = 0.0
            for s in chosen { cross += coefficients[s] * gram[i, s] }
            let squared = max(0, gram[i, i] - 2 * cross + centre)
            let kept = selected.contains(i)
            return ClientDiagnostic(distance: squared.squareRoot(), retained: kept ? 1 : 0, excluded: !kept)
        }
        return DenseAggregate(vector: vector, clients: clients, selected: chosen)
    }

    /// Krum scores: for each client, the sum of the `max(1, n − f − 2)` smallest squared
    /// distances to the others (Flower skips the first entry of the sorted row, the client's
    /// zero distance to itself; the sum is the same whichever zero it skips).
    static func krumScores(_ gram: GramMatrix, byzantine: Int) -> [Double] {
        let n = gram.n
        let closest = min(max(1, n - byzantine - 2), n - 1)
        var row = [Double](repeating: 0, count: n)
        return (0..<n).map { i in
            for j in 0..<n { row[j] = gram.squaredDistance(i, j) }
            row.sort()
            var score = 0.0
            if closest >= 1 {
                for k in 1...closest { score += row[k] }
            }
            return score
        }
    }
}
