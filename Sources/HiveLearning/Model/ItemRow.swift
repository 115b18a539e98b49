/// One item's current values in the global model (not a delta).
public struct ItemRow: Sendable, Hashable, Codable {
    /// The item's index in the model.
    public var item: Int
    /// The item's factors, `rank` long.
    public var factors: [Float]
    /// The item's bias.
    public var bias: Float

    public init(item: Int, factors: [Float], bias: Float) {
        self.item = item
        self.factors = factors
        self.bias = bias
    }
}
