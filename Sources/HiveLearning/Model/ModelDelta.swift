import HiveCore

/// The rows of the global model that changed after `fromVersion`, with their values at
/// `toVersion`: what a twin pulls to catch up. Rows carry values, not deltas, so applying a
/// delta twice is harmless.
public struct ModelDelta: Sendable, Hashable, Codable {
    /// The version the receiver must already hold (or be newer than).
    public var fromVersion: UInt64
    /// The version the receiver holds after applying it.
    public var toVersion: UInt64
    /// Factor rank of every row.
    public var rank: Int
    /// The changed rows with their current values, ascending by item.
    public var rows: [ItemRow]

    enum CodingKeys: String, CodingKey {
        case fromVersion = "from_version"
        case toVersion = "to_version"
        case rank, rows
    }

    /// A validated delta; throws as decoding does.
    public init(fromVersion: UInt64, toVersion: UInt64, rank: Int, rows: [ItemRow]) throws {
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.rank = rank
        self.rows = rows
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fromVersion = try c.decode(UInt64.self, forKey: .fromVersion)
        toVersion = try c.decode(UInt64.self, forKey: .toVersion)
        rank = try c.decode(Int.self, forKey: .rank)
        rows = try c.decode([ItemRow].self, forKey: .rows)
        try validate()
    }

    /// Checks versions, shapes and finiteness; the error names the field.
    public func validate() throws {
        guard fromVersion <= toVersion else {
            throw HiveError(.invalidInput, "from_version \(fromVersion) is after to_version \(toVersion)")
        }
        guard (1...ModelUpdate.maxRank).contains(rank) else {
            throw HiveError(.invalidInput, "rank must be in 1…\(ModelUpdate.maxRank), got \(rank)")
        }
        try Validation.check(rows, count: 0...ItemFactorModel.maxItems, field: "rows")
        var previous = -1
        for (index, row) in rows.enumerated() {
            guard row.item > previous else {
                throw HiveError(.invalidInput, "rows must be sorted by item without repeats (rows[\(index)])")
            }
            previous = row.item
            guard row.factors.count == rank else {
                throw HiveError(.dimensionMismatch, "rows[\(index)] has \(row.factors.count) factors; rank is \(rank)")
            }
            try Validation.checkFinite(row.factors + [row.bias], field: "rows[\(index)]")
        }
    }
}

extension ItemFactorModel {
    /// The rows changed after `version` (all rows when `version` is older than any change).
    public func delta(since version: UInt64) throws -> ModelDelta {
        guard version <= self.version else {
            throw HiveError(
                .inconsistent, "asked for changes since version \(version); the model is at \(self.version)")
        }
        var rows: [ItemRow] = []
        for item in 0..<itemCount where rowVersions[item] > version {
            rows.append(ItemRow(item: item, factors: Array(factors(of: item)), bias: biases[item]))
        }
        return try ModelDelta(fromVersion: version, toVersion: self.version, rank: rank, rows: rows)
    }

    /// Brings a copy held by a twin up to `delta.toVersion`. Throws, leaving the model
    /// unchanged, when the delta starts after this copy's version (a gap), ends before it, or
    /// does not fit the model's shape.
    public mutating func apply(_ delta: ModelDelta) throws {
        guard delta.rank == rank else {
            throw HiveError(.dimensionMismatch, "delta has rank \(delta.rank); the model's rank is \(rank)")
        }
        guard delta.fromVersion <= version else {
            throw HiveError(
                .inconsistent,
                "delta starts at version \(delta.fromVersion); this copy is at \(version), so rows would be missed")
        }
        guard delta.toVersion >= version else {
            throw HiveError(
                .inconsistent, "delta ends at version \(delta.toVersion), older than this copy's \(version)")
        }
        if let last = delta.rows.last, last.item >= itemCount {
            throw HiveError(.invalidInput, "delta touches item \(last.item); the model has \(itemCount) items")
        }
        var next = self
        for row in delta.rows {
            let base = row.item * rank
            for k in 0..<rank { next.factors[base + k] = row.factors[k] }
            next.biases[row.item] = row.bias
            next.rowVersions[row.item] = delta.toVersion
        }
        next.version = delta.toVersion
        self = next
    }
}
