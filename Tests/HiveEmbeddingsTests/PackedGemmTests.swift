import Testing

@testable import HiveEmbeddings

@Suite("packed GEMM")
struct PackedGemmTests {
    /// Naive `c + a·wᵀ` for `a[m×k]`, `w[n×k]`.
    private func reference(_ a: [Float], _ w: [Float], _ c: [Float], m: Int, n: Int, k: Int) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum += a[i * k + p] * w[j * k + p] }
                out[i * n + j] += sum
            }
        }
        return out
    }

    // Row counts around the 6-row kernel and the row block, column counts around the 32-wide
    // panel (partial last panel), and inputs long enough to cross row blocks.
    @Test(
        "matches a naive loop for ragged shapes, single and multi-threaded",
        arguments: [(1, 32, 8), (5, 33, 17), (6, 64, 384), (13, 100, 21), (7, 1, 3), (200, 96, 300), (41, 70, 1536)])
    func matchesReference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = (0..<(m * k)).map { Float(($0 * 37) % 17) / 17 - 0.5 }
        let w = (0..<(n * k)).map { Float(($0 * 53) % 19) / 19 - 0.5 }
        let bias = (0..<(m * n)).map { Float($0 % 7) * 0.125 }
        let expected = reference(a, w, bias, m: m, n: n, k: k)
        let packed = w.withUnsafeBufferPointer { PackedWeights($0.baseAddress!, outputs: n, inputs: k) }
        for threads in [1, 3] {
            var c = bias
            a.withUnsafeBufferPointer { ap in
                c.withUnsafeMutableBufferPointer { cp in
                    PackedGemm.multiply(
                        m: m, a: ap.baseAddress!, lda: k, weights: packed, c: cp.baseAddress!, ldc: n, threads: threads)
                }
            }
            let error = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(error < 1e-3 * Float(k).squareRoot(), "shape \(shape) threads \(threads)")
        }
    }

    @Test("stacking Q, K and V packs the same as one matrix")
    func stackingEqualsConcatenation() {
        let k = 10
        let parts = (0..<3).map { part in (0..<(5 * k)).map { Float(part * 1000 + $0) } }
        let whole = parts.flatMap { $0 }
        let stacked = parts[0].withUnsafeBufferPointer { p0 in
            parts[1].withUnsafeBufferPointer { p1 in
                parts[2].withUnsafeBufferPointer { p2 in
                    PackedWeights(stacking: [(p0.baseAddress!, 5), (p1.baseAddress!, 5), (p2.baseAddress!, 5)], inputs: k)
                }
            }
        }
        let single = whole.withUnsafeBufferPointer { PackedWeights($0.baseAddress!, outputs: 15, inputs: k) }
        #expect(stacked.outputs == 15 && stacked.panelCount == 1)
        let floats = stacked.byteCount / 4
        let lhs = UnsafeBufferPointer(start: stacked.buffer.assumingMemoryBound(to: Float.self), count: floats)
        let rhs = UnsafeBufferPointer(start: single.buffer.assumingMemoryBound(to: Float.self), count: floats)
        #expect(Array(lhs) == Array(rhs))
        // Column j of panel 0 at input kk is W[j][kk]; padding columns are zero.
        #expect(lhs[3 * 32 + 7] == whole[7 * k + 3])
        #expect(lhs[3 * 32 + 20] == 0)
    }
}
