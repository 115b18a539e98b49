import HiveCore

/// A model-free embedder: hashed word unigrams and n-grams, signed, L2-normalised.
///
/// It captures shared words, not meaning. It exists as an explicit choice (tests, tiny devices,
/// bootstrapping); nothing in Hive falls back to it silently when the MiniLM model is missing.
public struct HashingEmbedder: Embedder {
    public let dimensions: Int
    /// The longest word n-gram hashed (1 = words only).
    public let maxNGram: Int

    public var modelID: String { "hashing-ngram-v1:d\(dimensions):n\(maxNGram)" }

    /// - Throws: `HiveError(.invalidInput)` when `dimensions` or `maxNGram` is not positive.
    public init(dimensions: Int = 384, maxNGram: Int = 2) throws(HiveError) {
        guard dimensions > 0, dimensions <= 1 << 20 else {
            throw HiveError(.invalidInput, "hashing embedder dimensions must be in 1...\(1 << 20), got \(dimensions)")
        }
        guard maxNGram >= 1, maxNGram <= 8 else {
            throw HiveError(.invalidInput, "hashing embedder maxNGram must be in 1...8, got \(maxNGram)")
        }
        self.dimensions = dimensions
        self.maxNGram = maxNGram
    }

    public func embed(_ texts: [String]) -> [[Float]] {
        texts.map(embedOne)
    }

    private func embedOne(_ text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensions)
        let words = Self.words(text)
        for n in 1...maxNGram where words.count >= n {
            for start in 0...(words.count - n) {
                // FNV-1a over the n words joined by a separator: stable across processes, unlike `Hasher`.
                var hash = Self.fnvOffset
                for index in start..<(start + n) {
                    if index > start { hash = (hash ^ 0x1F) &* Self.fnvPrime }
                    for byte in words[index].utf8 { hash = (hash ^ UInt64(byte)) &* Self.fnvPrime }
                }
                let slot = Int(hash % UInt64(dimensions))
                let sign: Float = (hash >> 63) == 0 ? 1 : -1
                vector[slot] += sign
            }
        }
        var norm: Float = 0
        for value in vector { norm += value * value }
        if norm > 0 {
            let scale = 1 / norm.squareRoot()
            for index in vector.indices { vector[index] *= scale }
        }
        return vector
    }

    private static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// Lower-cased runs of letters and digits.
    static func words(_ text: String) -> [String] {
        var result: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else if !current.isEmpty {
                result.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { result.append(String(current)) }
        return result
    }
}
