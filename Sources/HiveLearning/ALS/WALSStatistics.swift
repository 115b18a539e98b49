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
