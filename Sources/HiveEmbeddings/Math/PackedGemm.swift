import Dispatch

/// `C[m×n] += A[m×k] · Wᵀ` for weights packed by `PackedWeights`, in pure Swift.
///
/// A register-blocked kernel in the BLIS style: 6 rows of A × one 32-column panel of W, kept in
/// twelve 16-float accumulators, each step one broadcast of `A[r][kk]` fused-multiply-added with
/// two panel vectors. Multiply and add stay separate on purpose: `addingProduct` becomes a call to
/// `fmaf` per lane when the build target lacks FMA (e.g. `HIVE_PORTABLE`), ~100× slower, while the
/// separate forms cost ~8% against fused ones with `-target-cpu native` (measured) and vectorise
/// everywhere.
/// Rows are processed in blocks sized so a block of A stays in L2 while every panel streams past.
enum PackedGemm {
    static let rowsPerKernel = 6
    /// Bytes of A kept hot per row block.
    static let rowBlockBytes = 192 * 1024

    /// Adds `A·Wᵀ` into `c` (which already holds the bias or residual). `threads > 1` splits the
    /// panels across workers when the product is big enough to pay for the hand-off.
    static func multiply(
        m: Int, a: UnsafePointer<Float>, lda: Int, weights: PackedWeights,
        c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1
    ) {
        guard m > 0, weights.outputs > 0 else { return }
        let k = weights.inputs
        let rowBlock = max(rowsPerKernel, (rowBlockBytes / max(1, k * 4)) / rowsPerKernel * rowsPerKernel)
        let flops = 2 * m * k * weights.outputs
        let workers = flops >= 4_000_000 ? min(max(1, threads), weights.panelCount) : 1
        if workers == 1 {
            run(m: m, a: a, lda: lda, weights: weights, c: c, ldc: ldc, panels: 0..<weights.panelCount, rowBlock: rowBlock)
            return
        }
        let share = (weights.panelCount + workers - 1) / workers
        // Each worker owns a disjoint range of output columns, so the writes never overlap.
        let operands = SharedOperands(a: a, c: c)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lower = worker * share
            let upper = min(weights.panelCount, lower + share)
            guard lower < upper else { return }
            run(
                m: m, a: operands.a, lda: lda, weights: weights, c: operands.c, ldc: ldc, panels: lower..<upper,
                rowBlock: rowBlock)
        }
    }

    private static func run(
        m: Int, a: UnsafePointer<Float>, lda: Int, weights: PackedWeights,
        c: UnsafeMutablePointer<Float>, ldc: Int, panels: Range<Int>, rowBlock: Int
    ) {
        let k = weights.inputs
        let width = PackedWeights.panelWidth
        let fullPanels = weights.outputs / width
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rowsPerKernel * k + rowsPerKernel * width) { scratch in
            let paddedA = scratch.baseAddress!
            let scratchC = paddedA + rowsPerKernel * k
            var blockStart = 0
            while blockStart < m {
                let blockEnd = min(m, blockStart + rowBlock)
                let fullEnd = blockStart + (blockEnd - blockStart) / rowsPerKernel * rowsPerKernel
                let leftover = blockEnd - fullEnd
                if leftover > 0 {
                    // The last few rows run through the same kernel on a zero-padded copy.
                    paddedA.update(repeating: 0, count: rowsPerKernel * k)
                    for r in 0..<leftover { (paddedA + r * k).update(from: a + (fullEnd + r) * lda, count: k) }
                }
                for p in panels {
                    let panel = weights.panel(p)
                    let columns = p < fullPanels ? width : weights.outputs - p * width
                    var row = blockStart
                    if columns == width {
                        while row < fullEnd {
                            kernel(a: a + row * lda, lda: lda, panel: panel, k: k, c: c + row * ldc + p * width, ldc: ldc)
                            row += rowsPerKernel
                        }
                    } else {
                        while row < fullEnd {
                            edge(a: a + row * lda, lda: lda, rows: rowsPerKernel, columns: columns, panel: panel, k: k,
                                 scratch: scratchC, c: c + row * ldc + p * width, ldc: ldc)
                            row += rowsPerKernel
                        }
                    }
                    if leftover > 0 {
                        edge(a: paddedA, lda: k, rows: leftover, columns: columns, panel: panel, k: k,
                             scratch: scratchC, c: c + fullEnd * ldc + p * width, ldc: ldc)
                    }
                }
                blockStart = blockEnd
            }
        }
    }

    /// The kernel into a zeroed 6×32 scratch tile, then the valid `rows × columns` added into C.
    private static func edge(
        a: UnsafePointer<Float>, lda: Int, rows: Int, columns: Int, panel: UnsafeRawPointer, k: Int,
        scratch: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let width = PackedWeights.panelWidth
        scratch.update(repeating: 0, count: rowsPerKernel * width)
        kernel(a: a, lda: lda, panel: panel, k: k, c: scratch, ldc: width)
        for r in 0..<rows {
            for j in 0..<columns { c[r * ldc + j] += scratch[r * width + j] }
        }
    }

    /// C[6×32] += A[6×k] · panel[k×32].
    @inline(__always)
    private static func kernel(
        a: UnsafePointer<Float>, lda: Int, panel: UnsafeRawPointer, k: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        typealias V = SIMD16<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda
        var b = panel
        for kk in 0..<k {
            let b0 = b.load(as: V.self)
            let b1 = b.load(fromByteOffset: 64, as: V.self)
            let x0 = V(repeating: a0[kk])
            c00 += x0 * b0
            c01 += x0 * b1
            let x1 = V(repeating: a1[kk])
            c10 += x1 * b0
            c11 += x1 * b1
            let x2 = V(repeating: a2[kk])
            c20 += x2 * b0
            c21 += x2 * b1
            let x3 = V(repeating: a3[kk])
            c30 += x3 * b0
            c31 += x3 * b1
            let x4 = V(repeating: a4[kk])
            c40 += x4 * b0
            c41 += x4 * b1
            let x5 = V(repeating: a5[kk])
            c50 += x5 * b0
            c51 += x5 * b1
            b += 128
        }
        @inline(__always)
        func add(_ row: Int, _ lo: V, _ hi: V) {
            let out = UnsafeMutableRawPointer(c + row * ldc)
            out.storeBytes(of: out.loadUnaligned(as: V.self) + lo, as: V.self)
            out.storeBytes(of: out.loadUnaligned(fromByteOffset: 64, as: V.self) + hi, toByteOffset: 64, as: V.self)
        }
        add(0, c00, c01)
        add(1, c10, c11)
        add(2, c20, c21)
        add(3, c30, c31)
        add(4, c40, c41)
        add(5, c50, c51)
    }
}

/// The operands handed to `concurrentPerform` workers.
///
/// `@unchecked Sendable`: `a` is only read, and every worker writes only its own column range of
/// `c`; both outlive the workers (the call waits for them).
private struct SharedOperands: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
}
