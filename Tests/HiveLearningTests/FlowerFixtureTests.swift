import Foundation
import Testing

@testable import HiveLearning

/// Equality with Flower 1.41.0's `flwr.server.strategy.aggregate` on fixtures it produced
/// (scripts/fixtures/flower_aggregates.py).
@Suite("Flower cross-check")
struct FlowerFixtureTests {
    struct Fixture: Decodable {
        var flwrVersion: String
        var cases: [Case]

        enum CodingKeys: String, CodingKey {
            case flwrVersion = "flwr_version"
            case cases
        }
    }

    struct Case: Decodable {
        var name: String
        var n: Int
        var d: Int
        var attackers: [Int]
        var weights: [Int]
        var updates: [[Float]]
        var expected: Expected
    }

    struct Expected: Decodable {
        var mean: [Double]
        var median: [Double]
        var trimmedMean: [Trimmed]
        var krum: [Krum]

        enum CodingKeys: String, CodingKey {
            case mean, median
            case trimmedMean = "trimmed_mean"
            case krum
        }
    }

    struct Trimmed: Decodable {
        var beta: Double
        var vector: [Double]
    }

    struct Krum: Decodable {
        var numMalicious: Int
        var toKeep: Int
        var vector: [Double]

        enum CodingKeys: String, CodingKey {
            case numMalicious = "num_malicious"
            case toKeep = "to_keep"
            case vector
        }
    }

    static func load() throws -> Fixture {
        let url = try #require(
            Bundle.module.url(forResource: "flower_aggregates", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// |ours − Flower's| ≤ 1e-5 · max(1, |Flower's|) per coordinate.
    static func expectClose(_ ours: [Float], _ theirs: [Double], _ label: String) {
        #expect(ours.count == theirs.count, "\(label): length")
        var worst = 0.0
        for (a, b) in zip(ours, theirs) { worst = max(worst, abs(Double(a) - b) / max(1, abs(b))) }
        #expect(worst <= 1e-5, "\(label): worst relative difference \(worst)")
    }

    @Test("fixtures come from flwr 1.41.0 and cover attacked and clean sets")
    func fixtureShape() throws {
        let fixture = try Self.load()
        #expect(fixture.flwrVersion == "1.41.0")
        #expect(fixture.cases.count >= 4)
        #expect(fixture.cases.contains { $0.attackers.count * 3 == $0.n })
    }

    @Test("weighted mean equals flwr aggregate (weights as num_examples)")
    func mean() throws {
        for c in try Self.load().cases {
            let m = try UpdateMatrix(c.updates)
            let r = try RobustAggregation.weightedMean(m, weights: c.weights.map(Double.init))
            Self.expectClose(r.vector, c.expected.mean, "\(c.name) mean")
        }
    }

    @Test("coordinate median equals flwr aggregate_median")
    func median() throws {
        for c in try Self.load().cases {
            let r = RobustAggregation.median(try UpdateMatrix(c.updates))
            Self.expectClose(r.vector, c.expected.median, "\(c.name) median")
        }
    }

    @Test("trimmed mean equals flwr aggregate_trimmed_avg")
    func trimmed() throws {
        for c in try Self.load().cases {
            for t in c.expected.trimmedMean {
                let r = try RobustAggregation.trimmedMean(try UpdateMatrix(c.updates), beta: t.beta)
                Self.expectClose(r.vector, t.vector, "\(c.name) trimmed β=\(t.beta)")
            }
        }
    }

    @Test("Krum and Multi-Krum equal flwr aggregate_krum")
    func krum() throws {
        for c in try Self.load().cases {
            for k in c.expected.krum {
                let r = try RobustAggregation.krum(
                    try UpdateMatrix(c.updates), byzantine: k.numMalicious, keep: k.toKeep,
                    weights: c.weights.map(Double.init))
                Self.expectClose(r.vector, k.vector, "\(c.name) krum f=\(k.numMalicious) keep=\(k.toKeep)")
                // Krum must pick honest clients on the attacked sets.
                if !c.attackers.isEmpty, k.numMalicious >= c.attackers.count {
                    #expect(Set(r.selected ?? []).isDisjoint(with: c.attackers), "\(c.name): Krum kept an attacker")
                }
            }
        }
    }
}
