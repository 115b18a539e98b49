/// SIMD inner loops. Rows are padded to a multiple of 16 floats (64 int8), so every loop runs
/// whole `SIMD16` chunks; the release build turns each `SIMD16<Float>.addProduct` into one
/// AVX-512 `vfmadd231ps zmm` (two `ymm` FMAs on AVX2). Horizontal sums use a pairwise tree that
/// reduces 8 or 16 accumulators into one vector at once, so their cost stays small beside the FMAs.
enum Kernels {
    /// Floats per SIMD chunk.
    static let lanes = 16
    /// Int8 components per quantised-row chunk.
    static let int8Lanes = 64

    /// Rounds a dimension up to whole chunks.
    static func paddedStride(_ dimension: Int, multiple: Int = lanes) -> Int {
        (dimension + multiple - 1) / multiple * multiple
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ chunk: Int) -> SIMD16<Float> {
        UnsafeRawPointer(p + chunk &* 16).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Pairwise partial sums of two vectors side by side: lanes 0..<8 come from `a`, 8..<16 from `b`.
    @inline(__always)
    static func fold(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16(lowHalf: a.evenHalf + a.oddHalf, highHalf: b.evenHalf + b.oddHalf)
    }

    @inline(__always)
    static func horizontalSum(_ v: SIMD16<Float>) -> Float {
        let h8 = v.lowHalf + v.highHalf
        let h4 = h8.lowHalf + h8.highHalf
        let h2 = h4.lowHalf + h4.highHalf
        return h2.x + h2.y
    }

    /// Dot product of two padded rows of `chunks × 16` floats. Four accumulators: an FMA's
    /// latency is four times its issue interval, so fewer chains leave the unit idle (at d = 384,
    /// 24 chunks, each chain is six FMAs long).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, chunks: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        var c = 0
        while c &+ 3 < chunks {
            acc0.addProduct(load(a, c), load(b, c))
            acc1.addProduct(load(a, c &+ 1), load(b, c &+ 1))
            acc2.addProduct(load(a, c &+ 2), load(b, c &+ 2))
            acc3.addProduct(load(a, c &+ 3), load(b, c &+ 3))
            c &+= 4
        }
        while c < chunks {
            acc0.addProduct(load(a, c), load(b, c))
            c &+= 1
        }
        return horizontalSum((acc0 + acc1) + (acc2 + acc3))
    }

    /// Dot products of `query` with 8 consecutive rows; eight independent FMA chains share each
    /// query load.
    @inline(__always)
    static func dot8Rows(
        _ q: UnsafePointer<Float>, _ x: UnsafePointer<Float>, stride: Int, chunks: Int
    ) -> SIMD8<Float> {
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        var a4 = SIMD16<Float>(), a5 = SIMD16<Float>(), a6 = SIMD16<Float>(), a7 = SIMD16<Float>()
        let x0 = x, x1 = x + stride, x2 = x + 2 &* stride, x3 = x + 3 &* stride
        let x4 = x + 4 &* stride, x5 = x + 5 &* stride, x6 = x + 6 &* stride, x7 = x + 7 &* stride
        for c in 0..<chunks {
            let qc = load(q, c)
            a0.addProduct(qc, load(x0, c))
            a1.addProduct(qc, load(x1, c))
            a2.addProduct(qc, load(x2, c))
            a3.addProduct(qc, load(x3, c))
            a4.addProduct(qc, load(x4, c))
            a5.addProduct(qc, load(x5, c))
            a6.addProduct(qc, load(x6, c))
            a7.addProduct(qc, load(x7, c))
        }
        let l3 = fold(fold(fold(a0, a1), fold(a2, a3)), fold(fold(a4, a5), fold(a6, a7)))
        return l3.evenHalf + l3.oddHalf
    }

    /// Scores `count` consecutive rows against `query` into `out`.
    static func dotRows(
        _ q: UnsafePointer<Float>, _ x: UnsafePointer<Float>, stride: Int, count: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        let chunks = stride / 16
        var r = 0
        while r &+ 8 <= count {
            let s = dot8Rows(q, x + r &* stride, stride: stride, chunks: chunks)
            UnsafeMutableRawPointer(out + r).storeBytes(of: s, as: SIMD8<Float>.self)
            r &+= 8
        }
        while r < count {
            out[r] = dot(q, x + r &* stride, chunks: chunks)
            r &+= 1
        }
    }

    /// A 4 × 4 tile of dot products: 4 queries (rows of `q`, stride `stride`) against 4 rows of `x`.
    /// Sixteen accumulators stay in registers; each chunk costs 8 loads and 16 FMAs.
    /// Writes `out[i * outStride + j] = q_i · x_j`.
    @inline(__always)
    static func dot4x4(
        _ q: UnsafePointer<Float>, _ x: UnsafePointer<Float>, stride: Int, chunks: Int,
        into out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        var a00 = SIMD16<Float>(), a01 = SIMD16<Float>(), a02 = SIMD16<Float>(), a03 = SIMD16<Float>()
        var a10 = SIMD16<Float>(), a11 = SIMD16<Float>(), a12 = SIMD16<Float>(), a13 = SIMD16<Float>()
        var a20 = SIMD16<Float>(), a21 = SIMD16<Float>(), a22 = SIMD16<Float>(), a23 = SIMD16<Float>()
        var a30 = SIMD16<Float>(), a31 = SIMD16<Float>(), a32 = SIMD16<Float>(), a33 = SIMD16<Float>()
        let q0 = q, q1 = q + stride, q2 = q + 2 &* stride, q3 = q + 3 &* stride
        let x0 = x, x1 = x + stride, x2 = x + 2 &* stride, x3 = x + 3 &* stride
        for c in 0..<chunks {
            let v0 = load(x0, c), v1 = load(x1, c), v2 = load(x2, c), v3 = load(x3, c)
            let u0 = load(q0, c)
            a00.addProduct(u0, v0); a01.addProduct(u0, v1); a02.addProduct(u0, v2); a03.addProduct(u0, v3)
            let u1 = load(q1, c)
            a10.addProduct(u1, v0); a11.addProduct(u1, v1); a12.addProduct(u1, v2); a13.addProduct(u1, v3)
            let u2 = load(q2, c)
            a20.addProduct(u2, v0); a21.addProduct(u2, v1); a22.addProduct(u2, v2); a23.addProduct(u2, v3)
            let u3 = load(q3, c)
            a30.addProduct(u3, v0); a31.addProduct(u3, v1); a32.addProduct(u3, v2); a33.addProduct(u3, v3)
        }
        let r0 = fold(fold(a00, a01), fold(a02, a03))
        let r1 = fold(fold(a10, a11), fold(a12, a13))
        let r2 = fold(fold(a20, a21), fold(a22, a23))
        let r3 = fold(fold(a30, a31), fold(a32, a33))
        let all = fold(fold(r0, r1), fold(r2, r3))
        let sums = all  // lane 4i+j = q_i · x_j
        for i in 0..<4 {
            out[i &* outStride] = sums[4 &* i]
            out[i &* outStride &+ 1] = sums[4 &* i &+ 1]
            out[i &* outStride &+ 2] = sums[4 &* i &+ 2]
            out[i &* outStride &+ 3] = sums[4 &* i &+ 3]
        }
    }

    // MARK: int8

    /// A query's int8 code split for ``dotInt8x4Rows``: per 64-byte chunk, four vectors holding
    /// byte 0, 1, 2 and 3 of each 4-byte group, sign-extended to 32 bits.
    static func splitInt8Query(_ q: UnsafePointer<Int8>, stride: Int) -> [SIMD16<Int32>] {
        var out: [SIMD16<Int32>] = []
        out.reserveCapacity(stride / 16)
        var o = 0
        while o < stride {
            for byte in 0..<4 {
                var v = SIMD16<Int32>()
                for j in 0..<16 { v[j] = Int32(q[o + 4 * j + byte]) }
                out.append(v)
            }
            o += 64
        }
        return out
    }

    /// 64 int8 products summed into 16 Int32 lanes. The row's 64 bytes are loaded as 16 32-bit
    /// lanes and shifts sign-extend each byte in place: no conversion instructions (Swift's
    /// generic SIMD conversions and 16-bit arithmetic shifts are not reliably vectorised, the
    /// 32-bit shifts are). Exact: |sum| ≤ 65,536 × 127² < 2³¹.
    @inline(__always)
    static func int8Chunk(_ x: UnsafePointer<Int8>, _ q: UnsafePointer<SIMD16<Int32>>) -> SIMD16<Int32> {
        let v = UnsafeRawPointer(x).loadUnaligned(as: SIMD16<Int32>.self)
        let b0 = (v &<< 24) &>> 24
        let b1 = (v &<< 16) &>> 24
        let b2 = (v &<< 8) &>> 24
        let b3 = v &>> 24
        return (b0 &* q[0] &+ b1 &* q[1]) &+ (b2 &* q[2] &+ b3 &* q[3])
    }

    /// Integer dot product of a split query with one padded int8 row (`stride` a multiple of 64).
    @inline(__always)
    static func dotInt8(_ q: UnsafePointer<SIMD16<Int32>>, _ x: UnsafePointer<Int8>, stride: Int) -> Int32 {
        var acc = SIMD16<Int32>()
        var c = 0, o = 0
        while o < stride {
            acc &+= int8Chunk(x + o, q + c)
            c &+= 4
            o &+= 64
        }
        return acc.wrappedSum()
    }

    /// Int8 dot products of a split query with 4 consecutive rows.
    @inline(__always)
    static func dotInt8x4Rows(_ q: UnsafePointer<SIMD16<Int32>>, _ x: UnsafePointer<Int8>, stride: Int) -> SIMD4<Int32> {
        dotInt8x4Gather(q, x, x + stride, x + 2 &* stride, x + 3 &* stride, stride: stride)
    }
}
