import HiveCore

/// What a twin sends the hub in federated weighted ALS, in factored form: its user vector `x`
/// and a confidence `c ≥ 1` per interacted item. It is exactly the information in the twin's
/// ``WALSStatistics`` rows (``WALSStatistics/decompose(_:itemCount:tolerance:)`` recovers it
/// from them, ``statistics(itemCount:)`` rebuilds them bit for bit as ``WALSTrainer`` computes
/// them), at `rank + 2` numbers per item instead of `rank + rank·(rank+1)/2`: for rank 32 a
/// 560-float row becomes one (item, confidence) pair, which is what makes ALS over HTTP
/// affordable (a MovieLens-100K round is ~3 MB of JSON on the wire instead of ~600 MB).
///
/// Because the form *is* a decomposition, a sender can move the model only through a vector and
/// confidences — the guarantee the hub's decompose check gives full statistics. Decoding
/// validates everything a hostile sender could get wrong (bounded twin id, a finite nonzero
/// vector of bounded rank, items ascending without duplicates, finite confidences in [1, 1e6]);
/// ``validate(itemCount:version:maxStaleness:)`` checks what needs the model.
public struct WALSContribution: Sendable, Hashable, Codable {
    /// Largest vector length (the statistics it expands to must fit ``ModelUpdate/maxRank``).
    public static var maxRank: Int {
        var rank = 1
        while WALSStatistics(rank: rank + 1).width - 1 <= ModelUpdate.maxRank { rank += 1 }
        return rank
    }

    /// One interacted item and its confidence `c = 1 + α·weight`.
    public struct Item: Sendable, Hashable, Codable {
        public var item: Int
        public var confidence: Double

        public init(item: Int, confidence: Double) {
            self.item = item
            self.confidence = confidence
        }
    }

    public var twinID: String
    /// The model version the vector was solved against.
    public var baseVersion: UInt64
    /// The twin's user vector `x`.
    public var user: [Float]
    /// Interacted items, ascending, no duplicates.
    public var items: [Item]

    enum CodingKeys: String, CodingKey {
        case twinID = "twin_id"
        case baseVersion = "base_version"
        case user, items
    }

    /// A validated contribution; items are sorted here. Throws as decoding does.
    public init(twinID: String, baseVersion: UInt64, user: [Float], items: [Item]) throws {
        self.twinID = twinID
        self.baseVersion = baseVersion
        self.user = user
        self.items = items.sorted { $0.item < $1.item }
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        twinID = try c.decode(String.self, forKey: .twinID)
        baseVersion = try c.decode(UInt64.self, forKey: .baseVersion)
        user = try c.decode([Float].self, forKey: .user)
        items = try c.decode([Item].self, forKey: .items)
        try validate()
    }

    /// The contribution of a twin with vector `user` and `interactions` (duplicates merged, as
    /// ``WALSTrainer`` merges them) against `model`.
    public init(
        model: ItemFactorModel, user: [Float], interactions: [Interaction], configuration: WALSConfiguration, twinID: String
    ) throws {
        let positives = try LocalTrainer.positives(interactions, itemCount: model.itemCount)
        try self.init(
            twinID: twinID, baseVersion: model.version, user: user,
            items: positives.map { Item(item: $0.item, confidence: 1 + configuration.alpha * Double($0.weight)) })
    }

    /// Checks what can be checked without the model; the error names the field.
    public func validate() throws {
        try Validation.check(twinID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "twin_id")
        guard (1...Self.maxRank).contains(user.count) else {
            throw HiveError(.invalidInput, "user must have 1…\(Self.maxRank) values, got \(user.count)")
        }
        for (k, value) in user.enumerated() where !(value.isFinite && abs(value) <= ModelUpdate.maxMagnitude) {
            throw HiveError(.invalidInput, "user[\(k)] is \(value); values must be finite with magnitude ≤ 1e6")
        }
        guard user.contains(where: { $0 != 0 }) else {
            throw HiveError(.invalidInput, "user is the zero vector: it carries no statistics")
        }
        try Validation.check(items, count: 1...ModelUpdate.maxRows - 1, field: "items")
        var previous = -1
        for (index, entry) in items.enumerated() {
            guard entry.item > previous else {
                throw HiveError(
                    .invalidInput,
                    entry.item == previous
                        ? "items[\(index)] repeats item \(entry.item)"
                        : "items must be ascending with items ≥ 0; items[\(index)].item \(entry.item) follows \(previous)")
            }
            previous = entry.item
            guard entry.confidence.isFinite, (1...1e6).contains(entry.confidence) else {
                throw HiveError(
                    .invalidInput, "items[\(index)] (item \(entry.item)) has confidence \(entry.confidence); it must be in [1, 1e6]")
            }
        }
    }

    /// Checks the contribution fits a model of `itemCount` items at `version`.
    public func validate(itemCount: Int, rank: Int, version: UInt64, maxStaleness: UInt64) throws {
        guard user.count == rank else {
            throw HiveError(.dimensionMismatch, "contribution from \(twinID) has a vector of \(user.count); the model's rank is \(rank)")
        }
        if let last = items.last, last.item >= itemCount {
            throw HiveError(.invalidInput, "contribution from \(twinID) names item \(last.item); the model has \(itemCount) items")
        }
        guard baseVersion <= version else {
            throw HiveError(
                .inconsistent, "contribution from \(twinID) is based on version \(baseVersion), newer than the model's \(version)")
        }
        guard version - baseVersion <= maxStaleness else {
            throw HiveError(
                .invalidInput, "contribution from \(twinID) is based on version \(baseVersion); the model is at \(version)")
        }
    }

    /// The ``WALSStatistics`` rows this contribution stands for: identical to what
    /// ``WALSTrainer/statistics(model:user:interactions:twinID:)`` computes for the same vector
    /// and interactions.
    public func statistics(itemCount: Int) throws -> ModelUpdate {
        let layout = WALSStatistics(rank: user.count)
        return try layout.compose(
            .init(user: user.map(Double.init), confidences: items.map { ($0.item, $0.confidence) }),
            twinID: twinID, baseVersion: baseVersion, itemCount: itemCount, interactionCount: items.count)
    }
}
