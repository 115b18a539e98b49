import Foundation
import HiveCore
import HiveVectors

/// The vector sets `hive bench vectors` measures, generated deterministically and written once
/// to a binary file that the Python anchor reads, so both sides search the same numbers.
struct VectorsBenchData {
    enum Kind: String, CaseIterable {
        /// Independent standard-normal components, normalised: the worst case for graph indexes.
        case random
        /// A Gaussian mixture in a 16-dimensional subspace embedded in `d` dimensions with a
        /// little isotropic noise, normalised: low intrinsic dimension, like sentence embeddings.
        case clustered
    }

    let kind: Kind
    let n: Int
    let d: Int
    /// Row-major `n × d`, unit length.
    let base: [Float]
    /// Row-major `queryCount × d`, unit length, drawn from the same distribution (not from `base`).
    let queries: [Float]
    var queryCount: Int { queries.count / d }

    init(kind: Kind, n: Int, queries nq: Int, d: Int, seed: UInt64) {
        self.kind = kind
        self.n = n
        self.d = d
        var rng = BenchRandom(seed: seed)
        switch kind {
        case .random:
            base = Self.randomUnit(n, d, &rng)
            queries = Self.randomUnit(nq, d, &rng)
        case .clustered:
            let intrinsic = 16, clusters = 200
            let basis = (0..<(d * intrinsic)).map { _ in rng.gaussian() / Float(intrinsic).squareRoot() }
            let centres = (0..<(clusters * intrinsic)).map { _ in rng.gaussian() }
            func sample(_ count: Int, _ rng: inout BenchRandom) -> [Float] {
                var out = [Float](repeating: 0, count: count * d)
                var z = [Float](repeating: 0, count: intrinsic)
                for i in 0..<count {
                    let c = Int(rng.next() % UInt64(clusters))
                    for j in 0..<intrinsic { z[j] = centres[c * intrinsic + j] + 0.6 * rng.gaussian() }
                    var norm: Float = 0
                    for t in 0..<d {
                        var v: Float = 0.03 * rng.gaussian()
                        for j in 0..<intrinsic { v += basis[t * intrinsic + j] * z[j] }
                        out[i * d + t] = v
                        norm += v * v
                    }
                    let inv = 1 / norm.squareRoot()
                    for t in 0..<d { out[i * d + t] *= inv }
                }
                return out
            }
            base = sample(n, &rng)
            queries = sample(nq, &rng)
        }
    }

    private static func randomUnit(_ count: Int, _ d: Int, _ rng: inout BenchRandom) -> [Float] {
        var out = [Float](repeating: 0, count: count * d)
        for i in 0..<count {
            var norm: Float = 0
            for t in 0..<d {
                let v = rng.gaussian()
                out[i * d + t] = v
                norm += v * v
            }
            let inv = 1 / norm.squareRoot()
            for t in 0..<d { out[i * d + t] *= inv }
        }
        return out
    }

    /// Writes the HVBENCH1 file read by scripts/anchors/vectors.py.
    func write(to path: String) throws {
        var data = Data("HVBENCH1".utf8)
        for v in [UInt64(n), UInt64(queryCount), UInt64(d)] {
            withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
        }
        base.withUnsafeBytes { data.append(contentsOf: $0) }
        queries.withUnsafeBytes { data.append(contentsOf: $0) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}

/// SplitMix64 with Box–Muller normals: fast and reproducible across runs.
struct BenchRandom {
    private var base: SeededGenerator
    var spare: Float?
    init(seed: UInt64) { base = SeededGenerator(seed: seed) }

    mutating func next() -> UInt64 { base.next() }

    mutating func uniform() -> Float { (Float(next() >> 40) + 0.5) / Float(1 << 24) }

    mutating func gaussian() -> Float {
        if let s = spare {
            spare = nil
            return s
        }
        let u1 = uniform(), u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * .pi * u2)
        return r * cos(2 * .pi * u2)
    }
}
