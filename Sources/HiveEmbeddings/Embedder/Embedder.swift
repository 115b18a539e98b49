/// Turns texts into fixed-size vectors whose cosine similarity tracks similarity of meaning.
///
/// Every vector an embedder returns has ``dimensions`` components. ``modelID`` names the model
/// and the exact weights (for MiniLM: the model name plus a hash of `model.safetensors`); store it
/// beside every embedding so a store that mixes vectors from different models is detected.
public protocol Embedder: Sendable {
    /// The length of every vector ``embed(_:)`` returns.
    var dimensions: Int { get }
    /// Model name plus weights hash, e.g. `all-MiniLM-L6-v2@53aa51172d142c89`.
    var modelID: String { get }
    /// Embeds `texts` in one batch; returns one vector per text, in order.
    func embed(_ texts: [String]) -> [[Float]]
}

extension Embedder {
    /// Embeds a single text.
    public func embed(_ text: String) -> [Float] {
        embed([text])[0]
    }
}
