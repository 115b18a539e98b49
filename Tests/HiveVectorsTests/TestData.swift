import HiveCore
import HiveVectors

/// Deterministic pseudo-random data for tests (SplitMix64), so failures reproduce.
struct TestRandom {
    private var base: SeededGenerator
    init(seed: UInt64) { base = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { base.next() }

    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    /// Approximately standard normal (sum of uniforms).
    mutating func gaussian() -> Float {
        var s: Float = 0
        for _ in 0..<6 { s += float() }
        return s / 1.414
    }

    mutating func vector(_ d: Int) -> [Float] { (0..<d).map { _ in float() } }

    /// `n` points around `clusters` centres in a `intrinsic`-dimensional subspace of `d` dimensions.
    mutating func clustered(n: Int, d: Int, clusters: Int, intrinsic: Int) -> [[Float]] {
        let basis = (0..<intrinsic).map { _ in vector(d) }
        let centres = (0..<clusters).map { _ in (0..<intrinsic).map { _ in gaussian() * 3 } }
        return (0..<n).map { _ in
            let c = centres[Int(next() % UInt64(clusters))]
            var v = [Float](repeating: 0, count: d)
            for j in 0..<intrinsic {
                let coeff = c[j] + gaussian()
                for t in 0..<d { v[t] += coeff * basis[j][t] }
            }
            return v
        }
    }
}

/// The naive reference: score every vector in Double, sort best first, ties by smaller id.
func referenceSearch(
    _ query: [Float], in rows: [(VectorID, [Float])], k: Int, metric: DistanceMetric,
    allow: (VectorID) -> Bool = { _ in true }
) -> [VectorID] {
    func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
    let scored: [(VectorID, Double)] = rows.filter { allow($0.0) }.map { id, v in
        switch metric {
        case .dot: return (id, zip(query, v).reduce(0) { $0 + Double($1.0) * Double($1.1) })
        case .cosine: return (id, zip(query, v).reduce(0) { $0 + Double($1.0) * Double($1.1) } / (norm(query) * norm(v)))
        case .l2: return (id, -zip(query, v).reduce(0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) })
        }
    }
    return scored.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(k).map(\.0)
}

/// Fraction of `truth` found in `found`.
func recall(_ found: [VectorID], _ truth: [VectorID]) -> Double {
    guard !truth.isEmpty else { return 1 }
    return Double(Set(found).intersection(truth).count) / Double(truth.count)
}

func temporaryPath(_ name: String) -> String {
    "/tmp/hive-vectors-test-\(name)-\(UInt64.random(in: 0...UInt64.max)).idx"
}
