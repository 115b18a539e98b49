import Foundation

/// Element-wise and row-wise kernels of the encoder, on raw buffers (no allocation).
enum Kernels {
    @inline(__always)
    static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// Fills each of `rows` rows (stride `cols`) with `bias`.
    static func broadcastRows(_ bias: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { (c + r * cols).update(from: bias, count: cols) }
    }

    /// `c[r] = x[r] + bias` for each row: the residual and the bias, pre-filled so one GEMM with
    /// beta = 1 finishes a projection plus its skip connection.
    static func residualPlusBias(
        _ x: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, rows: Int,
        cols: Int
    ) {
        let n8 = cols & ~7
        for r in 0..<rows {
            let xr = x + r * cols
            let cr = c + r * cols
            var j = 0
            while j < n8 {
                store8(load8(xr + j) + load8(bias + j), cr + j)
                j += 8
            }
            while j < cols {
                cr[j] = xr[j] + bias[j]
                j += 1
            }
        }
    }

    /// Layer normalisation of each row of `x` into `out` (they may alias): two passes for accuracy.
    static func layerNorm(
        _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        let n8 = cols & ~7
        let inverseCount = 1 / Float(cols)
        for r in 0..<rows {
            let xr = x + r * cols
            let or = out + r * cols
            var acc = SIMD8<Float>()
            var j = 0
            while j < n8 {
                acc += load8(xr + j)
                j += 8
            }
            var sum = acc.sum()
            while j < cols {
                sum += xr[j]
                j += 1
            }
            let mean = sum * inverseCount
            let vmean = SIMD8<Float>(repeating: mean)
            var vacc = SIMD8<Float>()
            j = 0
            while j < n8 {
                let d = load8(xr + j) - vmean
                vacc = (vacc + d * d)
                j += 8
            }
            var variance = vacc.sum()
            while j < cols {
                let d = xr[j] - mean
                variance += d * d
                j += 1
            }
            variance *= inverseCount
            let scale = 1 / (variance + epsilon).squareRoot()
            let vscale = SIMD8<Float>(repeating: scale)
            j = 0
            while j < n8 {
                let normalised = (load8(xr + j) - vmean) * vscale
                store8(normalised * load8(gamma + j) + load8(beta + j), or + j)
                j += 8
            }
            while j < cols {
                or[j] = (xr[j] - mean) * scale * gamma[j] + beta[j]
                j += 1
            }
        }
    }

    /// erf(x), |error| < 2e-6 in float32 (3e-7 in exact arithmetic): Abramowitz & Stegun 7.1.28, `1 - (1 + a1·x + … + a6·x⁶)^-16`
    /// for x ≥ 0 and odd symmetry. Needs no exp, so it vectorises cleanly.
    @inline(__always)
    static func erf(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let negative = x .< 0
        // Beyond 6, erf is 1 in float32; clamping also keeps the 16th power finite.
        let t = pointwiseMin(x.replacing(with: -x, where: negative), SIMD8(repeating: 6))
        var p = SIMD8<Float>(repeating: 0.0000430638)
        p = (SIMD8(repeating: 0.0002765672) + p * t)
        p = (SIMD8(repeating: 0.0001520143) + p * t)
        p = (SIMD8(repeating: 0.0092705272) + p * t)
        p = (SIMD8(repeating: 0.0422820123) + p * t)
        p = (SIMD8(repeating: 0.0705230784) + p * t)
        p = (SIMD8(repeating: 1) + p * t)
        let p2 = p * p
        let p4 = p2 * p2
        let p8 = p4 * p4
        let p16 = p8 * p8
        let magnitude = 1 - 1 / p16
        return magnitude.replacing(with: -magnitude, where: negative)
    }

    /// Scalar erf with the same approximation (for tails).
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        erf(SIMD8(repeating: x))[0]
    }

    /// GELU in place, the exact form BERT uses: `x · ½(1 + erf(x/√2))`.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let invSqrt2 = SIMD8<Float>(repeating: 0.70710678118654752)
        let half = SIMD8<Float>(repeating: 0.5)
        let n8 = count & ~7
        var i = 0
        while i < n8 {
            let v = load8(UnsafePointer(x + i))
            store8(v * half * (1 + erf(v * invSqrt2)), x + i)
            i += 8
        }
        while i < count {
            let v = x[i]
            x[i] = v * 0.5 * (1 + erf(v * 0.70710678118654752))
            i += 1
        }
    }

    /// Softmax of each row of `x` (`rows` × `cols`, stride `stride`) in place.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int) {
        for r in 0..<rows {
            let row = x + r * stride
            var maximum = -Float.infinity
            for j in 0..<cols where row[j] > maximum { maximum = row[j] }
            var sum: Float = 0
            for j in 0..<cols {
                let e = exp(row[j] - maximum)
                row[j] = e
                sum += e
            }
            let inverse = 1 / sum
            for j in 0..<cols { row[j] *= inverse }
        }
    }
}
