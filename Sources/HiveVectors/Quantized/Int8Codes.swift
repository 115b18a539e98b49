/// Int8 codes of a ``QuantizedFlatIndex``: one row of `stride` signed bytes per vector plus the
/// scale that maps codes back to floats (`x ≈ code × scale`), slot-aligned with the f32 rows.
///
/// `@unchecked Sendable`: mutated only through the index that holds the sole reference
/// (copy-on-write), so no thread observes a write.
final class Int8Codes: @unchecked Sendable {
    let rows: RowBuffer<Int8>
    var scales: [Float]

    init(stride: Int, capacity: Int = 0) {
        rows = RowBuffer(stride: stride, capacity: capacity)
        scales = []
    }

    /// Codes around existing rows (e.g. mapped from a file); scales are filled in by the caller.
    convenience init(rows: RowBuffer<Int8>) { self.init(rows: rows, scales: []) }

    private init(rows: RowBuffer<Int8>, scales: [Float]) {
        self.rows = rows
        self.scales = scales
    }

    func copy() -> Int8Codes { Int8Codes(rows: rows.copy(), scales: scales) }

    /// Symmetric per-vector quantisation to [-127, 127]; returns the scale.
    @discardableResult
    static func quantize(_ x: UnsafePointer<Float>, dimension: Int, into out: UnsafeMutablePointer<Int8>) -> Float {
        var maxAbs: Float = 0
        for j in 0..<dimension { maxAbs = max(maxAbs, abs(x[j])) }
        guard maxAbs > 0 else {
            out.update(repeating: 0, count: dimension)
            return 0
        }
        let inv = 127 / maxAbs
        for j in 0..<dimension {
            out[j] = Int8(max(-127, min(127, (x[j] * inv).rounded())))
        }
        return maxAbs / 127
    }

    func append(_ x: UnsafePointer<Float>, dimension: Int) {
        scales.append(Self.quantize(x, dimension: dimension, into: rows.appendRow()))
    }

    func swapRemove(_ slot: Int) {
        rows.swapRemove(slot)
        scales[slot] = scales[scales.count - 1]
        scales.removeLast()
    }
}
