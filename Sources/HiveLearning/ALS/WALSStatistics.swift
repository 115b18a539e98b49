import HiveCore

/// The layout of what a twin sends in federated weighted ALS (implicit feedback, Hu, Koren &
/// Volinsky 2008): per item it interacted with, a row of the item's sufficient statistics, and
/// one shared Gram row. Rows travel as ``ModelUpdate`` rows of width ``width`` (`factors` then
/// `bias`, like any row), so signing, validation, attacks and ``UpdateAggregator`` need nothing new.
///
/// For a twin with user vector x and confidence c = 1 + α·w on item i, item i's row is
/// `[c·x | (c − 1)·x·xᵀ packed]` and the Gram row (item index = the model's item count) is
/// `[0 | x·xᵀ packed]` (`packed`: the lower triangle, row by row). The exact ALS step for item i
/// needs `A = Σᵤ x·xᵀ + Σᵤ∈U(i) (c − 1)·x·xᵀ + λI` and `b = Σᵤ∈U(i) c·x`: summing the rows
/// over twins gives both, the Σ over *all* users coming once from the Gram rows rather than from
/// every item.
///
/// **Privacy.** x is recoverable from any row (as it is, up to scale, from a BPR or FCF
/// gradient row); the set of rows names the twin's positives. See ``LocalTrainer``'s note.
public struct WALSStatistics: Sendable, Hashable {
    /// Factor rank of the model.
    public let rank: Int

    public init(rank: Int) { self.rank = rank }

    /// Entries of a packed lower triangle.
    public var packedCount: Int { rank * (rank + 1) / 2 }
    /// Values per statistics row: `rank` (c·x) + ``packedCount``.
    public var width: Int { rank + packedCount }

    /// The Gram row's index for a model of `itemCount` items (one past the last item).
    public static func gramItem(itemCount: Int) -> Int { itemCount }

    /// Checks `update` is a statistics update for `model`: rows `width` wide, items within the
    /// model or the Gram row, version within `maxStaleness`.
    public func validate(_ update: ModelUpdate, model: ItemFactorModel, maxStaleness: UInt64 = 0) throws {
        guard update.rank + 1 == width, model.rank == rank else {
            throw HiveError(
                .dimensionMismatch,
                "statistics from \(update.twinID) have rows of \(update.rank + 1) values; rank \(model.rank) needs \(WALSStatistics(rank: model.rank).width)")
        }
        if let last = update.rows.last, last.item > Self.gramItem(itemCount: model.itemCount) {
            throw HiveError(
                .invalidInput, "statistics from \(update.twinID) name item \(last.item); the model has \(model.itemCount) items")
        }
        guard update.baseVersion <= model.version else {
            throw HiveError(
                .inconsistent,
                "statistics from \(update.twinID) are based on version \(update.baseVersion), newer than the model's \(model.version)")
        }
        guard model.version - update.baseVersion <= maxStaleness else {
            throw HiveError(
                .invalidInput,
                "statistics from \(update.twinID) are based on version \(update.baseVersion); the model is at \(model.version)")
        }
    }

    /// One statistics row: `[scale·x | weight·x·xᵀ packed]`.
    func row(item: Int, user x: [Double], scale: Double, outer weight: Double) -> RowUpdate {
        var values = [Float](repeating: 0, count: width)
        for k in 0..<rank { values[k] = Float(scale * x[k]) }
        var index = rank
        for p in 0..<rank {
            let wp = weight * x[p]
            for q in 0...p {
                values[index] = Float(wp * x[q])
                index += 1
            }
        }
        let bias = values.removeLast()
        return RowUpdate(item: item, factors: values, bias: bias)
    }

    /// Adds a row's packed part into a full symmetric rank × rank matrix (row-major, lower
    /// triangle filled; the solver reads only that) and its vector part into `b`.
    func accumulate(_ row: RowUpdate, into a: inout [Double], _ b: inout [Double]) {
        for k in 0..<rank { b[k] += Double(row.factors[k]) }
        var index = rank
        for p in 0..<rank {
            for q in 0...p {
                let v = index < row.factors.count ? row.factors[index] : row.bias
                a[p * rank + q] += Double(v)
                index += 1
            }
        }
    }
}

extension WALSStatistics {
    /// What one twin's statistics encode: its user vector and its confidence per item.
    public struct Decomposition: Sendable, Hashable {
        public var user: [Double]
        /// (item, confidence c ≥ 1), ascending by item.
        public var confidences: [(item: Int, confidence: Double)]

        public static func == (a: Self, b: Self) -> Bool {
            a.user == b.user && a.confidences.map(\.item) == b.confidences.map(\.item)
                && a.confidences.map(\.confidence) == b.confidences.map(\.confidence)
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(user) }
    }

    /// Recovers (x, cᵢ) from a twin's statistics and checks that every row is exactly what one
    /// user vector produces: Gram row `[0 | x·xᵀ]`, item rows `[c·x | (c − 1)·x·xᵀ]` with c ≥ 1,
    /// all with the same x (to `tolerance`, relative). The hub runs this on ingest: honest
    /// statistics always pass, and a sender can then move the model only through a vector x and
    /// confidences — what any twin controls — never through an arbitrary (e.g. indefinite)
    /// second-moment matrix. Throws `invalid-input` naming the twin and the first bad row.
    public func decompose(_ update: ModelUpdate, itemCount: Int, tolerance: Double = 1e-3) throws -> Decomposition {
        let gramIndex = Self.gramItem(itemCount: itemCount)
        guard update.rank + 1 == width, let gram = update.rows.last, gram.item == gramIndex else {
            throw HiveError(.invalidInput, "statistics from \(update.twinID) have no Gram row of width \(width)")
        }
        let g = gram.factors + [gram.bias]
        func packed(_ values: [Float], _ p: Int, _ q: Int) -> Double { Double(values[rank + p * (p + 1) / 2 + q]) }
        // x from the Gram row: |x_k| = √G_kk, signs relative to the largest coordinate.
        var pivot = 0
        for k in 0..<rank where packed(g, k, k) > packed(g, pivot, pivot) { pivot = k }
        let pivotSquare = packed(g, pivot, pivot)
        guard pivotSquare > 0, pivotSquare.isFinite else {
            throw HiveError(.invalidInput, "statistics from \(update.twinID): the Gram row is not x·xᵀ of a nonzero x")
        }
        let xp = pivotSquare.squareRoot()
        var x = (0..<rank).map { k in (k >= pivot ? packed(g, k, pivot) : packed(g, pivot, k)) / xp }
        // Gram fixes x up to sign; an honest twin's first item row (c·x, c ≥ 1) orients it.
        if let first = update.rows.first, first.item != gramIndex {
            let dot = (0..<rank).reduce(0.0) { $0 + Double(first.factors[$1]) * x[$1] }
            if dot < 0 { x = x.map { -$0 } }
        }
        let scale = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
        func close(_ a: Double, _ b: Double, _ magnitude: Double) -> Bool { abs(a - b) <= tolerance * magnitude + 1e-12 }
        for k in 0..<rank where !close(Double(g[k]), 0, scale * scale) {
            throw HiveError(.invalidInput, "statistics from \(update.twinID): the Gram row carries a vector part")
        }
        for p in 0..<rank {
            for q in 0...p where !close(packed(g, p, q), x[p] * x[q], scale * scale) {
                throw HiveError(.invalidInput, "statistics from \(update.twinID): the Gram row is not x·xᵀ")
            }
        }
        var confidences: [(item: Int, confidence: Double)] = []
        for row in update.rows.dropLast() {
            let v = row.factors + [row.bias]
            // c = ⟨b, x⟩ / |x|²; then b must be c·x and the packed part (c − 1)·x·xᵀ.
            let c = (0..<rank).reduce(0) { $0 + Double(v[$1]) * x[$1] } / (scale * scale)
            guard c.isFinite, c >= 1 - tolerance else {
                throw HiveError(.invalidInput, "statistics from \(update.twinID): item \(row.item) has confidence \(c) < 1")
            }
            for k in 0..<rank where !close(Double(v[k]), c * x[k], c * scale) {
                throw HiveError(.invalidInput, "statistics from \(update.twinID): item \(row.item)'s vector is not c·x")
            }
            for p in 0..<rank {
                for q in 0...p where !close(packed(v, p, q), (c - 1) * x[p] * x[q], max(c - 1, 1) * scale * scale) {
                    throw HiveError(.invalidInput, "statistics from \(update.twinID): item \(row.item) is not (c − 1)·x·xᵀ")
                }
            }
            confidences.append((row.item, max(1, c)))
        }
        x = x.map { $0.isFinite ? $0 : 0 }
        return Decomposition(user: x, confidences: confidences)
    }

    /// The statistics a twin with vector `user` and these confidences sends (the inverse of
    /// ``decompose(_:itemCount:tolerance:)``).
    public func compose(
        _ decomposition: Decomposition, twinID: String, baseVersion: UInt64, itemCount: Int, interactionCount: Int
    ) throws -> ModelUpdate {
        var rows = decomposition.confidences.map { row(item: $0.item, user: decomposition.user, scale: $0.confidence, outer: $0.confidence - 1) }
        rows.append(row(item: Self.gramItem(itemCount: itemCount), user: decomposition.user, scale: 0, outer: 1))
        return try ModelUpdate(
            twinID: twinID, baseVersion: baseVersion, rank: width - 1, rows: rows, interactionCount: interactionCount)
    }
}
