extension DistanceMetric {
    /// Cosine similarity of two vectors, accumulated in `Double`: 0 when either vector is zero or
    /// the lengths differ. For checks and scoring outside an index (an index normalises once on
    /// insert instead).
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot = 0.0, normA = 0.0, normB = 0.0
        for i in a.indices {
            let x = Double(a[i]), y = Double(b[i])
            dot += x * y
            normA += x * x
            normB += y * y
        }
        guard normA > 0, normB > 0 else { return 0 }
        return dot / (normA * normB).squareRoot()
    }
}
