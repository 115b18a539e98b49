/// A linear layer's weight matrix `W[n×k]` (PyTorch's `out × in` layout) rearranged once, at model
/// load, into panels of `PackedWeights.panelWidth` output columns: panel `p` holds, for every input
/// index `kk`, the weights `W[p·32 ..< p·32+32][kk]` side by side (zero-padded past `n`).
///
/// Why: `y = x·Wᵀ` over the original layout is a set of dot products that end in horizontal sums;
/// over panels it is a stream of broadcast-multiply-adds into 2 × 6 vector accumulators
/// (`PackedGemm`), the shape a register-blocked GEMM kernel wants. The copy costs as much memory as
/// the layer weights (≈ 42 MB for MiniLM-L6), which replaces the old fused-QKV copy.
///
/// `@unchecked Sendable`: the buffer is written only in `init` and freed in `deinit`.
final class PackedWeights: @unchecked Sendable {
    /// Output columns per panel: two 16-float vectors (one AVX-512 register each).
    static let panelWidth = 32

    /// Output features (`n`).
    let outputs: Int
    /// Input features (`k`).
    let inputs: Int
    /// Number of panels (`⌈n / 32⌉`).
    let panelCount: Int
    /// `panelCount × inputs × 32` floats, 64-byte aligned.
    let buffer: UnsafeMutableRawPointer

    /// Packs the row-major blocks `parts` stacked on top of each other (each `rowsᵢ × inputs`) as
    /// one `(Σ rowsᵢ) × inputs` matrix, e.g. Q, K and V into one projection.
    init(stacking parts: [(pointer: UnsafePointer<Float>, rows: Int)], inputs: Int) {
        let outputs = parts.reduce(0) { $0 + $1.rows }
        let width = Self.panelWidth
        let panelCount = (outputs + width - 1) / width
        self.outputs = outputs
        self.inputs = inputs
        self.panelCount = panelCount
        let floats = max(1, panelCount * inputs * width)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64)
        let packed = buffer.bindMemory(to: Float.self, capacity: floats)
        packed.initialize(repeating: 0, count: floats)
        var row = 0
        for part in parts {
            for r in 0..<part.rows {
                let source = part.pointer + r * inputs
                let global = row + r
                let panel = packed + (global / width) * inputs * width + global % width
                for kk in 0..<inputs { panel[kk * width] = source[kk] }
            }
            row += part.rows
        }
    }

    /// Packs one `outputs × inputs` row-major matrix.
    convenience init(_ weights: UnsafePointer<Float>, outputs: Int, inputs: Int) {
        self.init(stacking: [(weights, outputs)], inputs: inputs)
    }

    /// Bytes held by the packed copy.
    var byteCount: Int { panelCount * inputs * Self.panelWidth * 4 }

    /// Start of panel `index`.
    @inline(__always)
    func panel(_ index: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(buffer + index * inputs * Self.panelWidth * 4)
    }

    deinit { buffer.deallocate() }
}
