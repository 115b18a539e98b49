import HiveCore
@testable import HiveLearning

/// Small generated data shared by the suites.
enum TestData {
    /// `honest` updates around a common centre (noise σ) plus `attackers` sign-flipped ×`scale`
    /// copies of further honest draws. Returns the matrix (attackers last) and the honest mean.
    static func signFlipped(
        honest: Int, attackers: Int, d: Int, sigma: Float = 0.02, scale: Float = 100, seed: UInt64 = 7
    ) throws -> (matrix: UpdateMatrix, honestMean: [Float], attackers: Set<Int>) {
        var rng = SeededGenerator(seed: seed)
        let centre = (0..<d).map { _ in Float(rng.nextGaussian()) }
        let rows = (0..<(honest + attackers)).map { _ in centre.map { $0 + sigma * Float(rng.nextGaussian()) } }
        let clean = try UpdateMatrix(rows)
        let bad = Set(honest..<(honest + attackers))
        let attacked = try AttackSimulator.apply(.signFlip(scale: scale), to: clean, attackers: bad, using: &rng)
        var mean = [Float](repeating: 0, count: d)
        for r in 0..<honest {
            for c in 0..<d { mean[c] += rows[r][c] / Float(honest) }
        }
        return (attacked, mean, bad)
    }

    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// A synthetic preference world: items in `topics` groups; each user likes one topic.
    struct World {
        var itemCount: Int
        var topics: Int
        var users: [(topic: Int, interactions: [Interaction], heldOut: Int)]

        init(users: Int, itemCount: Int, topics: Int, perUser: Int, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            self.itemCount = itemCount
            self.topics = topics
            self.users = (0..<users).map { u in
                let topic = u % topics
                let liked = (0..<itemCount).filter { $0 % topics == topic }.shuffled(using: &rng)
                let chosen = Array(liked.prefix(perUser + 1))
                return (topic, chosen.dropLast().map { Interaction(item: $0, weight: 1) }, chosen.last ?? 0)
            }
        }
    }
}
