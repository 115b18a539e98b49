import HiveCore

extension RobustAggregation {
    /// Centred clipping (Karimireddy, He & Jaggi 2021): starting from `start` (the zero
    /// vector — "no change" — when nil), repeat `iterations` times
    /// v ← v + Σᵢ wᵢ·(xᵢ − v)·min(1, τ/‖xᵢ − v‖) / Σᵢ wᵢ.
    ///
    /// With `radius` nil, τ is the median of the clients' distances to the current centre at
    /// each iteration, so the rule adapts to the updates' scale. A client's `retained` is its
    /// last clip factor min(1, τ/‖xᵢ − v‖).
    public static func centeredClipping(
        _ matrix: UpdateMatrix, weights: [Double]? = nil, radius: Double? = nil, iterations: Int = 3,
        start: [Float]? = nil, diagnostics: Bool = true
    ) throws -> DenseAggregate {
        let n = matrix.rows
        let d = matrix.columns
        let normalized = try normalize(weights ?? [Double](repeating: 1, count: n), rows: n)
        guard iterations >= 1, iterations <= 1000 else {
            throw HiveError(.invalidInput, "centred clipping needs 1…1000 iterations, got \(iterations)")
        }
        if let radius, !(radius.isFinite && radius > 0) {
            throw HiveError(.invalidInput, "the clipping radius must be finite and > 0, got \(radius)")
        }
        var centre = start ?? [Float](repeating: 0, count: d)
        guard centre.count == d else {
            throw HiveError(.dimensionMismatch, "the start vector has \(centre.count) coordinates; updates have \(d)")
        }
        guard centre.allSatisfy(\.isFinite) else { throw HiveError(.invalidInput, "the start vector is not finite") }
        var factors = [Double](repeating: 1, count: n)
        for _ in 0..<iterations {
            let gaps = distances(matrix, to: centre)
            let tau = radius ?? medianOf(gaps)
            var step = [Float](repeating: 0, count: d)
            matrix.values.withUnsafeBufferPointer { xb in
                guard let x = xb.baseAddress else { return }
                step.withUnsafeMutableBufferPointer { sb in
                    guard let s = sb.baseAddress else { return }
                    for i in 0..<n {
                        factors[i] = gaps[i] > tau && gaps[i] > 0 ? tau / gaps[i] : 1
                        let c = Float(normalized[i] * factors[i])
                        if c == 0 { continue }
                        // step += c·(xᵢ − v) = c·xᵢ − c·v; the −c·v terms are summed below.
                        VectorKernels.axpy(c, x + i * d, s, count: d)
                    }
                }
            }
            let pull = Float(zip(normalized, factors).reduce(0.0) { $0 + $1.0 * $1.1 })
            for k in 0..<d { centre[k] += step[k] - pull * centre[k] }
        }
        guard diagnostics else { return DenseAggregate(vector: centre, clients: []) }
        let final = distances(matrix, to: centre)
        let clients = (0..<n).map {
            ClientDiagnostic(distance: final[$0], retained: factors[$0], excluded: factors[$0] < 0.5)
        }
        return DenseAggregate(vector: centre, clients: clients)
    }

    /// Norm bounding (Sun et al. 2019): scale each client's vector to L2 norm ≤ `maxNorm`, then
    /// take the weighted mean. A client's `retained` is its scale factor.
    public static func normBounded(
        _ matrix: UpdateMatrix, maxNorm: Double, weights: [Double]? = nil, diagnostics: Bool = true
    ) throws -> DenseAggregate {
        guard maxNorm.isFinite, maxNorm > 0 else {
            throw HiveError(.invalidInput, "the norm bound must be finite and > 0, got \(maxNorm)")
        }
        let n = matrix.rows
        let d = matrix.columns
        let normalized = try normalize(weights ?? [Double](repeating: 1, count: n), rows: n)
        let zero = [Float](repeating: 0, count: d)
        let norms = distances(matrix, to: zero)
        let factors = norms.map { $0 > maxNorm ? maxNorm / $0 : 1 }
        let vector = combine(matrix, coefficients: zip(normalized, factors).map { $0 * $1 })
        guard diagnostics else { return DenseAggregate(vector: vector, clients: []) }
        let gaps = distances(matrix, to: vector)
        let clients = (0..<n).map {
            ClientDiagnostic(distance: gaps[$0], retained: factors[$0], excluded: factors[$0] < 0.5)
        }
        return DenseAggregate(vector: vector, clients: clients)
    }

    /// The median of a short list (mean of the middle two when even).
    static func medianOf(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
