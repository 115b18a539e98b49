/// Matrix multiply in pure Swift (SIMD), for platforms without a BLAS.
///
/// `A·Bᵀ` runs as 4×4 blocks of dot products over contiguous rows (both operands stream
/// forwards); `A·B` runs as row AXPYs. Not a tuned BLAS, but allocation-free and vectorised.
enum PortableGemm {
    static func run(
        transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        // Scale C by beta first; the kernels then accumulate alpha·A·op(B).
        if beta != 1 {
            for i in 0..<m {
                let row = c + i * ldc
                if beta == 0 {
                    row.update(repeating: 0, count: n)
                } else {
                    for j in 0..<n { row[j] *= beta }
                }
            }
        }
        if transposeB {
            multiplyTransposed(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        } else {
            multiplyPlain(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        }
    }

    @inline(__always)
    private static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    private static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ k: Int) -> Float {
        var acc = SIMD8<Float>()
        var p = 0
        while p + 8 <= k {
            acc = (acc + load8(x + p) * load8(y + p))
            p += 8
        }
        var sum = acc.sum()
        while p < k {
            sum += x[p] * y[p]
            p += 1
        }
        return sum
    }

    private static func multiplyTransposed(
        m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let k8 = k & ~7
        var i = 0
        while i + 4 <= m {
            let a0 = a + i * lda
            let a1 = a0 + lda
            let a2 = a1 + lda
            let a3 = a2 + lda
            var j = 0
            while j + 2 <= n {
                let b0 = b + j * ldb
                let b1 = b0 + ldb
                var c00 = SIMD8<Float>()
                var c01 = SIMD8<Float>()
                var c10 = SIMD8<Float>()
                var c11 = SIMD8<Float>()
                var c20 = SIMD8<Float>()
                var c21 = SIMD8<Float>()
                var c30 = SIMD8<Float>()
                var c31 = SIMD8<Float>()
                var p = 0
                while p < k8 {
                    let vb0 = load8(b0 + p)
                    let vb1 = load8(b1 + p)
                    let va0 = load8(a0 + p)
                    c00 = (c00 + va0 * vb0)
                    c01 = (c01 + va0 * vb1)
                    let va1 = load8(a1 + p)
                    c10 = (c10 + va1 * vb0)
                    c11 = (c11 + va1 * vb1)
                    let va2 = load8(a2 + p)
                    c20 = (c20 + va2 * vb0)
                    c21 = (c21 + va2 * vb1)
                    let va3 = load8(a3 + p)
                    c30 = (c30 + va3 * vb0)
                    c31 = (c31 + va3 * vb1)
                    p += 8
                }
                var s00 = c00.sum()
                var s01 = c01.sum()
                var s10 = c10.sum()
                var s11 = c11.sum()
                var s20 = c20.sum()
                var s21 = c21.sum()
                var s30 = c30.sum()
                var s31 = c31.sum()
                while p < k {
                    s00 += a0[p] * b0[p]
                    s01 += a0[p] * b1[p]
                    s10 += a1[p] * b0[p]
                    s11 += a1[p] * b1[p]
                    s20 += a2[p] * b0[p]
                    s21 += a2[p] * b1[p]
                    s30 += a3[p] * b0[p]
                    s31 += a3[p] * b1[p]
                    p += 1
                }
                let r0 = c + i * ldc + j
                let r1 = r0 + ldc
                let r2 = r1 + ldc
                let r3 = r2 + ldc
                r0[0] += alpha * s00
                r0[1] += alpha * s01
                r1[0] += alpha * s10
                r1[1] += alpha * s11
                r2[0] += alpha * s20
                r2[1] += alpha * s21
                r3[0] += alpha * s30
                r3[1] += alpha * s31
                j += 2
            }
            while j < n {
                let bj = b + j * ldb
                for r in 0..<4 { c[(i + r) * ldc + j] += alpha * dot(a + (i + r) * lda, bj, k) }
                j += 1
            }
            i += 4
        }
        while i < m {
            let ai = a + i * lda
            for j in 0..<n { c[i * ldc + j] += alpha * dot(ai, b + j * ldb, k) }
            i += 1
        }
    }

    private static func multiplyPlain(
        m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let n8 = n & ~7
        for i in 0..<m {
            let row = c + i * ldc
            for p in 0..<k {
                let scale = alpha * a[i * lda + p]
                if scale == 0 { continue }
                let bp = b + p * ldb
                let vs = SIMD8<Float>(repeating: scale)
                var j = 0
                while j < n8 {
                    let sum = load8(UnsafePointer(row + j)) + vs * load8(bp + j)
                    UnsafeMutableRawPointer(row + j).storeBytes(of: sum, as: SIMD8<Float>.self)
                    j += 8
                }
                while j < n {
                    row[j] += scale * bp[j]
                    j += 1
                }
            }
        }
    }
}
