import HiveCore

/// Validated queries copied into padded, aligned rows (normalised under cosine), with each
/// query's squared norm for L2 scoring.
struct PreparedQueries: Sendable {
    let rows: RowBuffer<Float>
    let squaredNorms: [Float]
    var count: Int { rows.rows }

    init(_ flat: [Float], dimension: Int, stride: Int, metric: DistanceMetric, what: String) throws {
        guard !flat.isEmpty, flat.count % dimension == 0 else {
            throw HiveError(.dimensionMismatch, "\(what): \(flat.count) components is not a whole number of \(dimension)-dimensional queries")
        }
        let n = flat.count / dimension
        try flat.withUnsafeBufferPointer {
            try VectorValidation.checkRows($0, rows: n, dimension: dimension, metric: metric, what: what)
        }
        let rows = RowBuffer<Float>(stride: stride, capacity: n)
        rows.setRows(n)
        var norms = [Float](repeating: 0, count: n)
        flat.withUnsafeBufferPointer { src in
            for i in 0..<n {
                norms[i] = VectorMath.copyRow(src.baseAddress! + i * dimension, dimension: dimension, into: rows.row(i), normalise: metric == .cosine)
            }
        }
        self.rows = rows
        squaredNorms = norms
    }
}

/// Small scalar helpers shared by the indexes.
enum VectorMath {
    /// Copies `dimension` floats into a zero-padded row, normalising if asked; returns the squared
    /// norm of the stored row (1 when normalised).
    @discardableResult
    static func copyRow(_ src: UnsafePointer<Float>, dimension: Int, into dst: UnsafeMutablePointer<Float>, normalise: Bool) -> Float {
        var sumSquares: Double = 0
        for j in 0..<dimension { sumSquares += Double(src[j]) * Double(src[j]) }
        if normalise {
            let inv = Float(1 / sumSquares.squareRoot())
            var stored: Float = 0
            for j in 0..<dimension {
                dst[j] = src[j] * inv
                stored += dst[j] * dst[j]
            }
            return stored
        }
        dst.update(from: src, count: dimension)
        return Float(sumSquares)
    }

    /// Squared norm of a padded row.
    static func squaredNorm(_ p: UnsafePointer<Float>, stride: Int) -> Float {
        Kernels.dot(p, p, chunks: stride / Kernels.lanes)
    }
}
