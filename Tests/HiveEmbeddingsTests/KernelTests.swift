import Foundation
import Testing

@testable import HiveEmbeddings

@Suite("numeric kernels")
struct KernelTests {
    /// A&S 7.1.28 is good to 3e-7 in exact arithmetic; evaluated in float32 it stays within 2e-6.
    @Test("erf approximation is within 2e-6 of libm's erf")
    func erfAccuracy() {
        var worst: Double = 0
        var x: Float = -8
        while x <= 8 {
            worst = max(worst, abs(Double(Kernels.erf(x)) - Foundation.erf(Double(x))))
            x += 0.001
        }
        #expect(worst < 2e-6)
    }

    @Test("portable GEMM matches a naive triple loop, both operand layouts")
    func portableGemm() {
        let m = 7
        let n = 13
        let k = 21
        let a = (0..<(m * k)).map { Float(($0 * 37) % 17) / 17 - 0.5 }
        let bT = (0..<(n * k)).map { Float(($0 * 53) % 19) / 19 - 0.5 }
        let b = (0..<(k * n)).map { Float(($0 * 29) % 23) / 23 - 0.5 }
        for transposeB in [true, false] {
            var expected = [Float](repeating: 0.25, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Float = 0
                    for p in 0..<k { sum += a[i * k + p] * (transposeB ? bT[j * k + p] : b[p * n + j]) }
                    expected[i * n + j] = 2 * sum + 0.5 * 0.25
                }
            }
            for backend in MatrixBackend.allCases {
                var c = [Float](repeating: 0.25, count: m * n)
                c.withUnsafeMutableBufferPointer { cp in
                    (transposeB ? bT : b).withUnsafeBufferPointer { bp in
                        a.withUnsafeBufferPointer { ap in
                            backend.gemm(
                                transposeB: transposeB, m: m, n: n, k: k, alpha: 2, a: ap.baseAddress!, lda: k,
                                b: bp.baseAddress!, ldb: transposeB ? k : n, beta: 0.5, c: cp.baseAddress!, ldc: n)
                        }
                    }
                }
                let error = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
                #expect(error < 1e-4, "backend \(backend) transposeB \(transposeB)")
            }
        }
    }
}
