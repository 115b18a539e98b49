import HiveCore

/// What a twin sends the hub after training: sparse deltas for the item rows it touched,
/// relative to a given version of the global model.
///
/// It travels inside a `SignedEnvelope`, so decoding validates everything a hostile sender
/// could get wrong: a non-empty bounded twin id, a rank within limits, rows sorted by item with
/// no duplicates, every row `rank` long, every number finite and bounded. Checks that need the
/// model (item range, rank, staleness) are in ``validate(against:maxStaleness:)``.
public struct ModelUpdate: Sendable, Hashable, Codable {
    /// Largest accepted factor rank.
    public static let maxRank = 1024
    /// Largest number of rows in one update.
    public static let maxRows = 200_000
    /// Largest accepted magnitude of any delta; honest clipped updates are far smaller.
    public static let maxMagnitude: Float = 1e6

    /// The sending twin.
    public var twinID: String
    /// The global model version the deltas were computed against.
    public var baseVersion: UInt64
    /// Factor rank (length of every row's `factors`).
    public var rank: Int
    /// Touched rows, ascending by item, no duplicates.
    public var rows: [RowUpdate]
    /// How many interactions the twin trained on (informational, like Flower's num_examples).
    public var interactionCount: Int

    /// A validated update; rows are sorted by item here. Throws as decoding does.
    public init(twinID: String, baseVersion: UInt64, rank: Int, rows: [RowUpdate], interactionCount: Int) throws {
        self.twinID = twinID
        self.baseVersion = baseVersion
        self.rank = rank
        self.rows = rows.sorted { $0.item < $1.item }
        self.interactionCount = interactionCount
        try validate()
    }

    enum CodingKeys: String, CodingKey {
        case twinID = "twin_id"
        case baseVersion = "base_version"
        case rank, rows
        case interactionCount = "interaction_count"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        twinID = try c.decode(String.self, forKey: .twinID)
        baseVersion = try c.decode(UInt64.self, forKey: .baseVersion)
        rank = try c.decode(Int.self, forKey: .rank)
        rows = try c.decode([RowUpdate].self, forKey: .rows)
        interactionCount = try c.decode(Int.self, forKey: .interactionCount)
        try validate()
    }

    /// Checks what can be checked without the model; the error names the field.
    public func validate() throws {
        try Validation.check(twinID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "twin_id")
        guard (1...Self.maxRank).contains(rank) else {
            throw HiveError(.invalidInput, "rank must be in 1…\(Self.maxRank), got \(rank)")
        }
        guard interactionCount >= 0 else {
            throw HiveError(.invalidInput, "interaction_count must be ≥ 0, got \(interactionCount)")
        }
        try Validation.check(rows, count: 1...Self.maxRows, field: "rows")
        var previous = -1
        for (index, row) in rows.enumerated() {
            guard row.item >= 0 else {
                throw HiveError(.invalidInput, "rows[\(index)].item must be ≥ 0, got \(row.item)")
            }
            guard row.item > previous else {
                throw HiveError(
                    .invalidInput,
                    row.item == previous
                        ? "rows[\(index)] repeats item \(row.item)"
                        : "rows must be sorted by item; rows[\(index)].item \(row.item) follows \(previous)")
            }
            previous = row.item
            guard row.factors.count == rank else {
                throw HiveError(
                    .dimensionMismatch,
                    "rows[\(index)] (item \(row.item)) has \(row.factors.count) factors; rank is \(rank)")
            }
            // Factors then bias, without building a joined array (this runs on every row of every update).
            for k in 0...row.factors.count {
                let value = k < row.factors.count ? row.factors[k] : row.bias
                guard value.isFinite, abs(value) <= Self.maxMagnitude else {
                    throw HiveError(
                        .invalidInput,
                        "rows[\(index)] (item \(row.item)) holds \(value); values must be finite with magnitude ≤ 1e6")
                }
            }
        }
    }

    /// Checks the update fits `model`: same rank, items in range, based on a version no newer
    /// than the model's and at most `maxStaleness` versions older.
    public func validate(against model: ItemFactorModel, maxStaleness: UInt64 = 0) throws {
        guard rank == model.rank else {
            throw HiveError(
                .dimensionMismatch, "update from \(twinID) has rank \(rank); the model's rank is \(model.rank)")
        }
        if let last = rows.last, last.item >= model.itemCount {
            throw HiveError(
                .invalidInput, "update from \(twinID) touches item \(last.item); the model has \(model.itemCount) items"
            )
        }
        guard baseVersion <= model.version else {
            throw HiveError(
                .inconsistent,
                "update from \(twinID) is based on version \(baseVersion), newer than the model's \(model.version)")
        }
        guard model.version - baseVersion <= maxStaleness else {
            throw HiveError(
                .invalidInput,
                "update from \(twinID) is based on version \(baseVersion); the model is at \(model.version) and at most \(maxStaleness) versions of staleness are accepted"
            )
        }
    }

    /// L2 norm over all rows (factors and biases).
    public var norm: Double { rows.reduce(0) { $0 + $1.squaredNorm }.squareRoot() }
}
