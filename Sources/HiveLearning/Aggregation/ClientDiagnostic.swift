/// How one client's vector fared under a robust rule; feeds reputation.
public struct ClientDiagnostic: Sendable, Hashable, Codable {
    /// L2 distance from the client's vector to the aggregate.
    public var distance: Double
    /// The share of the client's contribution the rule kept, in [0, 1]: 1 for rules that keep
    /// everything (mean, median), 0 or 1 for Krum selection, the fraction of coordinates not
    /// trimmed for the trimmed mean, the clip factor for centred clipping and norm bounding.
    public var retained: Double
    /// Whether the rule left this client out (or kept less than half of it).
    public var excluded: Bool

    public init(distance: Double, retained: Double, excluded: Bool) {
        self.distance = distance
        self.retained = retained
        self.excluded = excluded
    }
}

/// The result of a dense robust rule: the aggregate vector and one diagnostic per client
/// (empty when diagnostics were not requested).
public struct DenseAggregate: Sendable, Hashable {
    /// The aggregate, `columns` long.
    public var vector: [Float]
    /// One entry per input row, in input order.
    public var clients: [ClientDiagnostic]
    /// The rows a selection rule (Krum, Multi-Krum) chose, ascending; `nil` for other rules.
    public var selected: [Int]?

    public init(vector: [Float], clients: [ClientDiagnostic], selected: [Int]? = nil) {
        self.vector = vector
        self.clients = clients
        self.selected = selected
    }
}
