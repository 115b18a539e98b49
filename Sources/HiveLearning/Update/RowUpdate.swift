import HiveCore

/// A change to one item's row of the global model: deltas for its factors and its bias.
public struct RowUpdate: Sendable, Hashable, Codable {
    /// The item's index in the global model.
    public var item: Int
    /// Deltas for the item's factors, `rank` long.
    public var factors: [Float]
    /// Delta for the item's bias.
    public var bias: Float

    public init(item: Int, factors: [Float], bias: Float) {
        self.item = item
        self.factors = factors
        self.bias = bias
    }

    /// Squared L2 norm of factors and bias together.
    public var squaredNorm: Double {
        factors.reduce(Double(bias) * Double(bias)) { $0 + Double($1) * Double($1) }
    }

    /// Factors followed by the bias: the vector the aggregation rules see.
    var flattened: [Float] { factors + [bias] }
}
