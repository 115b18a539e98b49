import HiveCore

/// The robust aggregation rules over dense client vectors (one row of an ``UpdateMatrix`` per
/// client). ``UpdateAggregator`` applies them to sparse item-row updates, row by row.
///
/// Each rule returns the aggregate and, unless `diagnostics` is false, one
/// ``ClientDiagnostic`` per client. The rules follow the definitions Flower's
/// `flwr.server.strategy.aggregate` uses (checked against fixtures it produced), so results
/// are interchangeable with a Flower server's.
public enum RobustAggregation {
    /// Weighted mean Σ(xᵢ·wᵢ)/Σwᵢ — the seed's quality-weighted average Σ(e·q)/Σq, and Flower's
    /// `aggregate` with `num_examples` as the weights.
    ///
    /// Throws `dimension-mismatch` when there is not one weight per row, `invalid-input` for a
    /// negative or non-finite weight or when all weights are zero.
    public static func weightedMean(
        _ matrix: UpdateMatrix, weights: [Double], diagnostics: Bool = true
    ) throws -> DenseAggregate {
        let normalized = try normalize(weights, rows: matrix.rows)
        let vector = combine(matrix, coefficients: normalized)
        return DenseAggregate(
            vector: vector,
            clients: diagnostics
                ? distances(matrix, to: vector).map { ClientDiagnostic(distance: $0, retained: 1, excluded: false) }
                : [])
    }

    /// Coordinate-wise median (the mean of the two middle values when the count is even, as
    /// `numpy.median` does). Weights are not used: the median's robustness comes from ignoring
    /// magnitudes.
    public static func median(_ matrix: UpdateMatrix, diagnostics: Bool = true) -> DenseAggregate {
        let n = matrix.rows
        let vector = columnwise(matrix) { column, _ in
            let upper = n / 2
            Selection.select(column, count: n, k: upper)
            if n % 2 == 1 { return column[upper] }
            let lower = Selection.maximum(column, count: upper)
            return Float((Double(lower) + Double(column[upper])) / 2)
        }
        return DenseAggregate(
            vector: vector,
            clients: diagnostics
                ? distances(matrix, to: vector).map { ClientDiagnostic(distance: $0, retained: 1, excluded: false) }
                : [])
    }

    /// Coordinate-wise trimmed mean: per coordinate, drop the ⌊β·n⌋ smallest and ⌊β·n⌋ largest
    /// values and average the rest (Flower's `aggregate_trimmed_avg`, scipy's `trim_mean`).
    ///
    /// A client's `retained` is the share of its coordinates that survived trimming relative to
    /// the share the rule keeps overall ((n − 2⌊βn⌋)/n), capped at 1; it is `excluded` below 0.5
    /// (an attacker whose values are always extreme scores 0). Throws `invalid-input` unless
    /// 0 ≤ β < 0.5.
    public static func trimmedMean(
        _ matrix: UpdateMatrix, beta: Double, diagnostics: Bool = true
    ) throws -> DenseAggregate {
        guard beta.isFinite, beta >= 0, beta < 0.5 else {
            throw HiveError(.invalidInput, "trimmed-mean β must be in [0, 0.5), got \(beta)")
        }
        let n = matrix.rows
        let cut = Int(beta * Double(n))
        let kept = n - 2 * cut
        // Per column, the smallest and largest kept values (for the diagnostics), written through
        // pointers so the reducing closure captures no mutable state.
        let track = diagnostics && cut > 0
        let bounds = UnsafeMutablePointer<Float>.allocate(capacity: track ? 2 * matrix.columns : 1)
        defer { bounds.deallocate() }
        let vector = columnwise(matrix) { column, c in
            if cut > 0 {
                Selection.select(column, count: n, k: cut)
                Selection.select(column + cut, count: n - cut, k: kept - 1)
            }
            var sum = 0.0
            var lowest = column[cut]
            var highest = column[cut]
            for i in cut..<(n - cut) {
                let v = column[i]
                sum += Double(v)
                lowest = min(lowest, v)
                highest = max(highest, v)
            }
            if track {
                bounds[2 * c] = lowest
                bounds[2 * c + 1] = highest
            }
            return Float(sum / Double(kept))
        }
        guard diagnostics else { return DenseAggregate(vector: vector, clients: []) }
        let d = distances(matrix, to: vector)
        var clients: [ClientDiagnostic] = []
        clients.reserveCapacity(n)
        for i in 0..<n {
            var retained = 1.0
            if cut > 0 {
                // Ties with a threshold count as kept: values equal to the kept extremes are
                // indistinguishable from the kept copy.
                var trimmed = 0
                let base = i * matrix.columns
                for c in 0..<matrix.columns {
                    let v = matrix.values[base + c]
                    if v < bounds[2 * c] || v > bounds[2 * c + 1] { trimmed += 1 }
                }
                // Trimming drops 2⌊βn⌋ of n values per coordinate whoever sends them, so an
                // honest client loses some by chance; compare its kept share with the share
                // the rule keeps overall (kept/n) and cap at 1.
                let keptShare = 1 - Double(trimmed) / Double(matrix.columns)
                retained = min(1, keptShare * Double(n) / Double(kept))
            }
            clients.append(ClientDiagnostic(distance: d[i], retained: retained, excluded: retained < 0.5))
        }
        return DenseAggregate(vector: vector, clients: clients)
    }

    /// Scaled weights summing to 1; validates them.
    static func normalize(_ weights: [Double], rows: Int) throws -> [Double] {
        guard weights.count == rows else {
            throw HiveError(.dimensionMismatch, "expected \(rows) weights, one per update, got \(weights.count)")
        }
        var total = 0.0
        for (index, w) in weights.enumerated() {
            guard w.isFinite, w >= 0 else {
                throw HiveError(.invalidInput, "weight \(index) must be finite and ≥ 0, got \(w)")
            }
            total += w
        }
        guard total > 0 else { throw HiveError(.invalidInput, "the weights sum to zero") }
        return weights.map { $0 / total }
    }

    /// Σ coefficientsᵢ · rowᵢ. Each row is streamed in long runs (prefetch-friendly) into an
    /// output block of up to 64 Ki floats that stays in L2; 2 Ki-column blocks (output in L1,
    /// but 100 short interleaved input streams) measured 3× slower.
    static func combine(_ matrix: UpdateMatrix, coefficients: [Double]) -> [Float] {
        let n = matrix.rows
        let d = matrix.columns
        var out = [Float](repeating: 0, count: d)
        let block = 65_536
        matrix.values.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                guard let x = xb.baseAddress, let o = ob.baseAddress else { return }
                var c0 = 0
                while c0 < d {
                    let len = min(block, d - c0)
                    for i in 0..<n where coefficients[i] != 0 {
                        VectorKernels.axpy(Float(coefficients[i]), x + i * d + c0, o + c0, count: len)
                    }
                    c0 += len
                }
            }
        }
        return out
    }

    /// L2 distance from each row to `vector`.
    static func distances(_ matrix: UpdateMatrix, to vector: [Float]) -> [Double] {
        let d = matrix.columns
        return matrix.values.withUnsafeBufferPointer { xb in
            vector.withUnsafeBufferPointer { vb in
                guard let x = xb.baseAddress, let v = vb.baseAddress else { return [] }
                return (0..<matrix.rows).map { VectorKernels.squaredDistance(x + $0 * d, v, count: d).squareRoot() }
            }
        }
    }

    /// Applies `reduce` to every column: columns are copied, a block at a time, into a
    /// transposed scratch buffer so each column is contiguous for in-place selection. Output is
    /// written through a pointer: assigning into a captured array here measured a copy of the
    /// whole output per column in one caller.
    @inline(__always)
    static func columnwise(
        _ matrix: UpdateMatrix, _ reduce: (UnsafeMutablePointer<Float>, Int) -> Float
    ) -> [Float] {
        let n = matrix.rows
        let d = matrix.columns
        var out = [Float](repeating: 0, count: d)
        let block = max(16, min(256, 8_192 / n))
        var scratch = [Float](repeating: 0, count: block * n)
        matrix.values.withUnsafeBufferPointer { xb in
            scratch.withUnsafeMutableBufferPointer { sb in
                out.withUnsafeMutableBufferPointer { ob in
                    guard let x = xb.baseAddress, let s = sb.baseAddress, let o = ob.baseAddress else { return }
                    var c0 = 0
                    while c0 < d {
                        let len = min(block, d - c0)
                        for i in 0..<n {
                            let row = x + i * d + c0
                            for c in 0..<len { s[c * n + i] = row[c] }
                        }
                        for c in 0..<len { o[c0 + c] = reduce(s + c * n, c0 + c) }
                        c0 += len
                    }
                }
            }
        }
        return out
    }
}
