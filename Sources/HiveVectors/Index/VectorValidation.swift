import HiveCore

/// Input checks shared by every index; each names the offending input in its error.
enum VectorValidation {
    /// Largest dimension an index accepts (far above any embedding model; guards file headers too).
    static let maxDimension = 65_536

    static func checkDimension(_ dimension: Int) throws {
        guard dimension > 0, dimension <= maxDimension else {
            throw HiveError(.invalidInput, "dimension \(dimension) is outside 1...\(maxDimension)")
        }
    }

    static func checkK(_ k: Int) throws {
        guard k > 0 else { throw HiveError(.invalidInput, "k must be positive, got \(k)") }
    }

    /// Checks length and finiteness of `count` rows starting at `values`, and non-zero norm under
    /// cosine. `what` names the input ("vector 3", "query").
    static func checkRows(
        _ values: UnsafeBufferPointer<Float>, rows: Int, dimension: Int, metric: DistanceMetric, what: String
    ) throws {
        guard values.count == rows * dimension else {
            throw HiveError(.dimensionMismatch, "\(what): \(values.count) components for \(rows) vector(s) of dimension \(dimension)")
        }
        guard let base = values.baseAddress else { return }
        for r in 0..<rows {
            let row = base + r * dimension
            var sumSquares: Float = 0
            for j in 0..<dimension {
                let v = row[j]
                guard v.isFinite else {
                    throw HiveError(.invalidInput, "\(what)\(rows > 1 ? " \(r)" : ""): component \(j) is \(v)")
                }
                sumSquares += v * v
            }
            if metric == .cosine, !(sumSquares > 0) {
                throw HiveError(.invalidInput, "\(what)\(rows > 1 ? " \(r)" : ""): zero vector has no direction under cosine")
            }
            if !sumSquares.isFinite {
                throw HiveError(.invalidInput, "\(what)\(rows > 1 ? " \(r)" : ""): squared norm overflows Float")
            }
        }
    }

    /// Checks a batch of new ids: no duplicates among themselves nor with `existing`.
    static func checkNewIDs(_ ids: [VectorID], exists: (VectorID) -> Bool) throws {
        var seen = Set<VectorID>(minimumCapacity: ids.count)
        for id in ids {
            guard seen.insert(id).inserted else { throw HiveError(.duplicate, "id \(id) appears twice in one add") }
            guard !exists(id) else { throw HiveError(.duplicate, "id \(id) is already in the index") }
        }
    }
}
