/// The outcome of aggregating one round of sparse updates: per item row, the fused delta, and
/// per twin, how its update fared. Apply it with ``ItemFactorModel/applying(_:learningRate:)``
/// and feed ``twins`` to ``ReputationBook/record(_:)``.
public struct AggregationRound: Sendable, Hashable, Codable {
    /// The model version every update was checked against.
    public var baseVersion: UInt64
    /// The rule used.
    public var rule: AggregationRule
    /// Fused deltas, ascending by item.
    public var rows: [RowUpdate]
    /// One entry per twin, in the order the updates were given.
    public var twins: [TwinDiagnostics]

    enum CodingKeys: String, CodingKey {
        case baseVersion = "base_version"
        case rule, rows, twins
    }

    public init(baseVersion: UInt64, rule: AggregationRule, rows: [RowUpdate], twins: [TwinDiagnostics]) {
        self.baseVersion = baseVersion
        self.rule = rule
        self.rows = rows
        self.twins = twins
    }
}
