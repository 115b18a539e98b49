/// Small SIMD loops shared by the aggregation rules, the trainer and consensus.
///
/// Written with `SIMD4<Float>` lanes and several independent accumulators so the baseline
/// x86-64 (SSE2) and arm64 (NEON) builds both vectorise without target-specific flags.
enum VectorKernels {
    /// Σ a[k]·b[k] over `count` elements, accumulated in `Float` lanes per 1,024-element block
    /// and in `Double` across blocks (so long vectors keep their precision).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < count {
            let end = min(count, start + 1024)
            total += Double(blockDot(a + start, b + start, count: end - start))
            start = end
        }
        return total
    }

    @inline(__always)
    static func blockDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        var s0 = SIMD4<Float>()
        var s1 = SIMD4<Float>()
        var s2 = SIMD4<Float>()
        var s3 = SIMD4<Float>()
        var k = 0
        while k + 16 <= count {
            let o = k * 4
            s0 +=
                ra.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            s1 +=
                ra.loadUnaligned(fromByteOffset: o + 16, as: SIMD4<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 16, as: SIMD4<Float>.self)
            s2 +=
                ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD4<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD4<Float>.self)
            s3 +=
                ra.loadUnaligned(fromByteOffset: o + 48, as: SIMD4<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 48, as: SIMD4<Float>.self)
            k += 16
        }
        var s = ((s0 + s1) + (s2 + s3)).sum()
        while k < count {
            s += a[k] * b[k]
            k += 1
        }
        return s
    }

    /// Σ (a[k] − b[k])² over `count` elements (blocked like ``dot``).
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < count {
            let end = min(count, start + 1024)
            let ra = UnsafeRawPointer(a + start)
            let rb = UnsafeRawPointer(b + start)
            let n = end - start
            var s0 = SIMD4<Float>()
            var s1 = SIMD4<Float>()
            var k = 0
            while k + 8 <= n {
                let d0 =
                    ra.loadUnaligned(fromByteOffset: k * 4, as: SIMD4<Float>.self)
                    - rb.loadUnaligned(fromByteOffset: k * 4, as: SIMD4<Float>.self)
                let d1 =
                    ra.loadUnaligned(fromByteOffset: k * 4 + 16, as: SIMD4<Float>.self)
                    - rb.loadUnaligned(fromByteOffset: k * 4 + 16, as: SIMD4<Float>.self)
                s0 += d0 * d0
                s1 += d1 * d1
                k += 8
            }
            var s = (s0 + s1).sum()
            while k < n {
                let d = a[start + k] - b[start + k]
                s += d * d
                k += 1
            }
            total += Double(s)
            start = end
        }
        return total
    }

    /// y[k] += alpha · x[k].
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let rx = UnsafeRawPointer(x)
        let ry = UnsafeMutableRawPointer(y)
        let a = SIMD4<Float>(repeating: alpha)
        var k = 0
        while k + 8 <= count {
            let o = k * 4
            let y0 =
                ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                + a * rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
            let y1 =
                ry.loadUnaligned(fromByteOffset: o + 16, as: SIMD4<Float>.self)
                + a * rx.loadUnaligned(fromByteOffset: o + 16, as: SIMD4<Float>.self)
            ry.storeBytes(of: y0, toByteOffset: o, as: SIMD4<Float>.self)
            ry.storeBytes(of: y1, toByteOffset: o + 16, as: SIMD4<Float>.self)
            k += 8
        }
        while k < count {
            y[k] += alpha * x[k]
            k += 1
        }
    }

    /// Σ a[k]² (blocked like ``dot``).
    @inline(__always)
    static func squaredNorm(_ a: UnsafePointer<Float>, count: Int) -> Double {
        dot(a, a, count: count)
    }
}
