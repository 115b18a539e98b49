/// All pairwise dot products of a matrix's rows, computed with a blocked kernel.
///
/// Krum needs every pairwise squared distance; ‖a − b‖² = ‖a‖² + ‖b‖² − 2·a·b turns that into
/// one Gram matrix, computed once per unordered pair (half the work of the n² distance loop)
/// and blocked along the columns so a slab of every row stays in L2 while a 4 × 2 register
/// tile reuses each loaded vector several times. Partial sums are `Float` within a 512-column
/// slab and `Double` across slabs.
struct GramMatrix {
    /// Row-major `n × n`, symmetric.
    var values: [Double]
    let n: Int

    subscript(i: Int, j: Int) -> Double { values[i * n + j] }

    /// Squared distance between rows `i` and `j`, clamped at 0 against rounding.
    func squaredDistance(_ i: Int, _ j: Int) -> Double {
        i == j ? 0 : max(0, values[i * n + i] + values[j * n + j] - 2 * values[i * n + j])
    }

    init(_ matrix: UpdateMatrix) {
        let n = matrix.rows
        let d = matrix.columns
        self.n = n
        var gram = [Double](repeating: 0, count: n * n)
        var slab = [Float](repeating: 0, count: n * n)
        let slabWidth = 512
        matrix.values.withUnsafeBufferPointer { xb in
            guard let x = xb.baseAddress else { return }
            slab.withUnsafeMutableBufferPointer { sb in
                gram.withUnsafeMutableBufferPointer { gb in
                    guard let s = sb.baseAddress, let g = gb.baseAddress else { return }
                    var k0 = 0
                    while k0 < d {
                        let len = min(slabWidth, d - k0)
                        Self.slab(x, n: n, d: d, k0: k0, len: len, into: s)
                        for i in 0..<n {
                            for j in i..<n { g[i * n + j] += Double(s[i * n + j]) }
                        }
                        k0 += len
                    }
                    for i in 0..<n {
                        for j in (i + 1)..<max(i + 1, n) { g[j * n + i] = g[i * n + j] }
                    }
                }
            }
        }
        values = gram
    }

    /// Upper-triangle dot products of columns `k0 ..< k0 + len` into `s` (overwritten).
    @inline(__always)
    private static func slab(
        _ x: UnsafePointer<Float>, n: Int, d: Int, k0: Int, len: Int, into s: UnsafeMutablePointer<Float>
    ) {
        let vectorLength = len & ~3
        var i = 0
        while i + 4 <= n {
            var j = i & ~1
            while j + 2 <= n {
                tile(x, d: d, k0: k0, i: i, j: j, vectorLength: vectorLength, len: len, n: n, into: s)
                j += 2
            }
            if j < n {
                for ii in i..<(i + 4) {
                    s[ii * n + j] = VectorKernels.blockDot(x + ii * d + k0, x + j * d + k0, count: len)
                }
            }
            i += 4
        }
        while i < n {
            for j in i..<n {
                s[i * n + j] = VectorKernels.blockDot(x + i * d + k0, x + j * d + k0, count: len)
            }
            i += 1
        }
    }

    /// The 4 × 2 register tile: rows i…i+3 against rows j, j+1.
    @inline(__always)
    private static func tile(
        _ x: UnsafePointer<Float>, d: Int, k0: Int, i: Int, j: Int, vectorLength: Int, len: Int, n: Int,
        into s: UnsafeMutablePointer<Float>
    ) {
        let a0 = UnsafeRawPointer(x + i * d + k0)
        let a1 = UnsafeRawPointer(x + (i + 1) * d + k0)
        let a2 = UnsafeRawPointer(x + (i + 2) * d + k0)
        let a3 = UnsafeRawPointer(x + (i + 3) * d + k0)
        let b0 = UnsafeRawPointer(x + j * d + k0)
        let b1 = UnsafeRawPointer(x + (j + 1) * d + k0)
        var c00 = SIMD4<Float>()
        var c01 = SIMD4<Float>()
        var c10 = SIMD4<Float>()
        var c11 = SIMD4<Float>()
        var c20 = SIMD4<Float>()
        var c21 = SIMD4<Float>()
        var c30 = SIMD4<Float>()
        var c31 = SIMD4<Float>()
        var o = 0
        let end = vectorLength * 4
        while o < end {
            let v0 = b0.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            let v1 = b1.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            let u0 = a0.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            c00 += u0 * v0
            c01 += u0 * v1
            let u1 = a1.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            c10 += u1 * v0
            c11 += u1 * v1
            let u2 = a2.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            c20 += u2 * v0
            c21 += u2 * v1
            let u3 = a3.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            c30 += u3 * v0
            c31 += u3 * v1
            o += 16
        }
        s[i * n + j] = c00.sum()
        s[i * n + j + 1] = c01.sum()
        s[(i + 1) * n + j] = c10.sum()
        s[(i + 1) * n + j + 1] = c11.sum()
        s[(i + 2) * n + j] = c20.sum()
        s[(i + 2) * n + j + 1] = c21.sum()
        s[(i + 3) * n + j] = c30.sum()
        s[(i + 3) * n + j + 1] = c31.sum()
        // The last slab may end on a column count that is not a multiple of 4.
        if vectorLength < len {
            for k in (k0 + vectorLength)..<(k0 + len) {
                for a in 0..<4 {
                    for b in 0..<2 { s[(i + a) * n + j + b] += x[(i + a) * d + k] * x[(j + b) * d + k] }
                }
            }
        }
    }
}
