/// One item's current values in the global model (not a delta).
public struct ItemRow: Sendable, Hashable, Codable {
    public var item: Int
    public var factors: [Float]
    public var bias: Float

    public init(item: Int, factors: [Float], bias: Float) {
        self.item = item
        self.factors = factors
        self.bias = bias
    }
}
