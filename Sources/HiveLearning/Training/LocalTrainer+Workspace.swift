import Foundation
import HiveCore

extension LocalTrainer {
    /// The twin's private copies of the item rows it touches (factors then bias), with the
    /// values they started from so the update is new − old.
    struct Workspace {
        let model: ItemFactorModel
        let width: Int
        var slots: [Int: Int] = [:]
        var items: [Int] = []
        var rows: [Float] = []

        init(model: ItemFactorModel) {
            self.model = model
            width = model.rank + 1
        }

        mutating func slot(_ item: Int) -> Int {
            if let s = slots[item] { return s }
            let s = items.count
            slots[item] = s
            items.append(item)
            rows.append(contentsOf: model.factors(of: item))
            rows.append(model.biases[item])
            return s
        }

        /// One SGD step on ln σ(x̂ᵤᵢⱼ) (ascent), weighted by the positive's weight.
        mutating func bprStep(
            user u: inout [Float], positive: Int, negative: Int, weight: Float, rate: Float, reg: Float
        ) {
            let rank = width - 1
            let bi = slot(positive) * width
            let bj = slot(negative) * width
            var x = rows[bi + rank] - rows[bj + rank]
            for k in 0..<rank { x += u[k] * (rows[bi + k] - rows[bj + k]) }
            // d ln σ(x) / dx = σ(−x).
            let g = weight / (1 + Float(exp(Double(x))))
            for k in 0..<rank {
                let uk = u[k]
                let vik = rows[bi + k]
                let vjk = rows[bj + k]
                u[k] += rate * (g * (vik - vjk) - reg * uk)
                rows[bi + k] += rate * (g * uk - reg * vik)
                rows[bj + k] += rate * (-g * uk - reg * vjk)
            }
            rows[bi + rank] += rate * (g - reg * rows[bi + rank])
            rows[bj + rank] += rate * (-g - reg * rows[bj + rank])
        }

        /// Closed-form weighted least squares for the user vector:
        /// (Σ c·v·vᵀ + λI) u = Σ c·(p − b)·v over the targets.
        mutating func solveUser(
            _ targets: [(item: Int, preference: Float, confidence: Float)], reg: Float, rank: Int
        ) throws -> [Float] {
            var a = [Double](repeating: 0, count: rank * rank)
            var b = [Double](repeating: 0, count: rank)
            for t in targets {
                let base = slot(t.item) * width
                let c = Double(t.confidence)
                let r = Double(t.preference) - Double(rows[base + rank])
                for p in 0..<rank {
                    let vp = Double(rows[base + p])
                    b[p] += c * r * vp
                    for q in 0...p { a[p * rank + q] += c * vp * Double(rows[base + q]) }
                }
            }
            for p in 0..<rank { a[p * rank + p] += Double(max(reg, 1e-6)) }
            return try Cholesky.solve(lowerOf: a, b, n: rank).map(Float.init)
        }

        /// One SGD step on c·(p − u·v − b)² for an item row.
        mutating func alsItemStep(
            user u: [Float], item: Int, preference: Float, confidence: Float, rate: Float, reg: Float
        ) {
            let rank = width - 1
            let base = slot(item) * width
            var prediction = rows[base + rank]
            for k in 0..<rank { prediction += u[k] * rows[base + k] }
            let e = confidence * (preference - prediction)
            for k in 0..<rank { rows[base + k] += rate * (e * u[k] - reg * rows[base + k]) }
            rows[base + rank] += rate * (e - reg * rows[base + rank])
        }

        /// new − old for every touched row, ascending by item.
        func deltas() -> [(item: Int, delta: [Float])] {
            items.enumerated().map { s, item in
                let original = Array(model.factors(of: item)) + [model.biases[item]]
                return (item: item, delta: (0..<width).map { rows[s * width + $0] - original[$0] })
            }
            .sorted { $0.item < $1.item }
        }
    }
}

/// Cholesky factorisation and solve for small symmetric positive-definite systems.
enum Cholesky {
    /// Solves A·x = b using the lower triangle of `a` (row-major n × n). Throws `invalid-input`
    /// if A is not positive definite.
    static func solve(lowerOf a: [Double], _ b: [Double], n: Int) throws -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else {
                        throw HiveError(.invalidInput, "the user system is not positive definite")
                    }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<max(i + 1, n) { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}
