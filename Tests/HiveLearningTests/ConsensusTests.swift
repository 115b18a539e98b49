import Foundation
import HiveCore
import Testing

@testable import HiveLearning

@Suite("Pattern consensus")
struct ConsensusTests {
    /// A unit direction per topic, plus small per-vote jitter (cosine stays ≫ 0.8).
    static func vote(_ pattern: String, twin: String, topic: Int, success: Double, jitter: UInt64 = 0) throws
        -> PatternVote
    {
        var rng = SeededGenerator(seed: jitter &+ UInt64(topic) &* 1000)
        var e = [Float](repeating: 0, count: 16)
        e[topic] = 1
        for k in 0..<16 { e[k] += 0.05 * Float(rng.nextGaussian()) }
        return try PatternVote(patternID: pattern, twinID: twin, embedding: e, successRate: success)
    }

    let consensus = PatternConsensus()

    @Test("three twins agreeing are accepted with members, votes and score")
    func accepted() throws {
        let votes = try [
            Self.vote("p1", twin: "a", topic: 0, success: 0.9, jitter: 1),
            Self.vote("p2", twin: "b", topic: 0, success: 0.8, jitter: 2),
            Self.vote("p3", twin: "c", topic: 0, success: 0.7, jitter: 3),
        ]
        let result = try consensus.evaluate(votes) { _ in 0.5 }
        #expect(result.count == 1)
        let cluster = try #require(result.first)
        #expect(cluster.accepted && cluster.rejection == nil)
        #expect(cluster.members == ["p1", "p2", "p3"] && cluster.voters == ["a", "b", "c"] && cluster.votes == 3)
        #expect(abs(cluster.score - 0.8) < 1e-12)
        #expect(cluster.representative == "p1")
    }

    @Test("two voters are rejected with a reason")
    func twoVoters() throws {
        let votes = try [
            Self.vote("p1", twin: "a", topic: 0, success: 1, jitter: 1),
            Self.vote("p2", twin: "b", topic: 0, success: 1, jitter: 2),
        ]
        let cluster = try #require(try consensus.evaluate(votes) { _ in 1 }.first)
        #expect(!cluster.accepted)
        #expect(cluster.rejection == .tooFewVoters(voters: 2, required: 3))
        #expect(cluster.rejection?.description == "2 distinct twin(s) voted; 3 are required")
    }

    @Test("one twin voting many times counts once")
    func oneTwinManyVotes() throws {
        let votes =
            try (0..<10).map {
                try Self.vote("p\($0)", twin: "sybil-free-but-loud", topic: 2, success: 1, jitter: UInt64($0))
            }
            + [Self.vote("q", twin: "b", topic: 2, success: 0.0, jitter: 99)]
        let cluster = try #require(try consensus.evaluate(votes) { _ in 1 }.first)
        #expect(cluster.members.count == 11)
        #expect(cluster.votes == 2)
        #expect(cluster.rejection == .tooFewVoters(voters: 2, required: 3))
        // Its ten patterns count once in the score too: (1 + 0) / 2.
        #expect(abs(cluster.score - 0.5) < 1e-12)
    }

    @Test("agreement is reputation-weighted; low agreement is rejected with the score")
    func reputationWeighted() throws {
        let votes = try [
            Self.vote("p1", twin: "good", topic: 1, success: 0.9, jitter: 1),
            Self.vote("p2", twin: "bad1", topic: 1, success: 0.1, jitter: 2),
            Self.vote("p3", twin: "bad2", topic: 1, success: 0.1, jitter: 3),
        ]
        let even = try #require(try consensus.evaluate(votes) { _ in 0.5 }.first)
        #expect(even.rejection == .insufficientAgreement(score: (0.9 + 0.1 + 0.1) / 3, required: 0.66))
        var book = ReputationBook()
        for _ in 0..<30 {
            try book.record(quality: 1, for: "good")
            try book.record(quality: 0, for: "bad1")
            try book.record(quality: 0, for: "bad2")
        }
        let weighted = try #require(try consensus.evaluate(votes, reputation: book).first)
        #expect(weighted.accepted, "score \(weighted.score)")
        let none = try #require(try consensus.evaluate(votes) { _ in 0 }.first)
        #expect(none.rejection == .noReputation)
    }

    @Test("dissimilar patterns form separate clusters; the result does not depend on arrival order")
    func deterministic() throws {
        var votes: [PatternVote] = []
        for topic in 0..<5 {
            for twin in 0..<(topic + 1) {
                votes.append(
                    try Self.vote(
                        "t\(topic)-\(twin)", twin: "twin\(twin)", topic: topic, success: 0.9, jitter: UInt64(twin)))
            }
        }
        let a = try consensus.evaluate(votes) { _ in 0.7 }
        var rng = SeededGenerator(seed: 4)
        let b = try consensus.evaluate(votes.shuffled(using: &rng)) { _ in 0.7 }
        #expect(a == b)
        #expect(a.count == 5)
        #expect(Set(a.filter(\.accepted).map(\.representative)) == ["t4-0", "t3-0", "t2-0"])
        #expect(a.prefix(3).allSatisfy(\.accepted) && !a[3].accepted && !a[4].accepted)
        #expect(zip(a.prefix(3), a.prefix(3).dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    @Test(
        "the early-rejection bound never changes the clusters: same as brute-force leader clustering",
        arguments: [37, 128])
    func matchesBruteForce(dimensions: Int) throws {
        var rng = SeededGenerator(seed: UInt64(dimensions))
        let centres = (0..<12).map { _ in (0..<dimensions).map { _ in Float(rng.nextGaussian()) } }
        // Noise levels spread cosines across the 0.8 threshold.
        let votes = try (0..<300).map { i -> PatternVote in
            let centre = centres[i % centres.count]
            let noise = Float(0.3 + 0.5 * rng.nextUnit())
            return try PatternVote(
                patternID: String(format: "p%04d", i), twinID: "t\(i % 50)",
                embedding: centre.map { $0 + noise * Float(rng.nextGaussian()) }, successRate: 0.9)
        }
        let clusters = try consensus.evaluate(votes) { _ in 1 }
        // Brute force in Double over the same order.
        let ordered = votes.sorted { $0.patternID < $1.patternID }
        func unit(_ v: [Float]) -> [Double] {
            let n = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            return v.map { Double($0) / n }
        }
        let units = ordered.map { unit($0.embedding) }
        var leaders: [Int] = []
        var members: [[String]] = []
        var nearThreshold = false
        for (i, u) in units.enumerated() {
            var joined = false
            for (c, l) in leaders.enumerated() {
                let dot = zip(u, units[l]).reduce(0.0) { $0 + $1.0 * $1.1 }
                if abs(dot - 0.8) < 1e-5 { nearThreshold = true }
                if dot >= 0.8 {
                    members[c].append(ordered[i].patternID)
                    joined = true
                    break
                }
            }
            if !joined {
                leaders.append(i)
                members.append([ordered[i].patternID])
            }
        }
        #expect(!nearThreshold, "a cosine within 1e-5 of the threshold makes Float vs Double comparison ambiguous")
        #expect(Set(clusters.map(\.members)) == Set(members))
        #expect(clusters.count > 12)
    }

    @Test("bad input gets specific errors")
    func badInput() throws {
        let good = try Self.vote("p", twin: "a", topic: 0, success: 0.5)
        let short = try PatternVote(patternID: "q", twinID: "b", embedding: [1, 0], successRate: 0.5)
        #expect(throws: HiveError(.dimensionMismatch, "pattern q has a 2-dimensional embedding; others have 16")) {
            try consensus.evaluate([good, short]) { _ in 1 }
        }
        #expect(throws: HiveError(.duplicate, "twin a voted pattern p twice")) {
            try consensus.evaluate([good, good]) { _ in 1 }
        }
        #expect(throws: HiveError(.invalidInput, "embedding of pattern z is all zeros; cosine is undefined")) {
            try PatternVote(patternID: "z", twinID: "a", embedding: [0, 0], successRate: 0.5)
        }
        #expect(throws: HiveError(.invalidInput, "embedding[0] must be finite, got nan")) {
            try PatternVote(patternID: "z", twinID: "a", embedding: [.nan], successRate: 0.5)
        }
        #expect(throws: HiveError(.invalidInput, "success_rate must be in [0.0, 1.0], got 1.5")) {
            try PatternVote(patternID: "z", twinID: "a", embedding: [1], successRate: 1.5)
        }
        #expect(throws: HiveError(.invalidInput, "reputation of twin a must be in [0, 1], got 2.0")) {
            try consensus.evaluate([good]) { _ in 2 }
        }
        #expect(try consensus.evaluate([]) { _ in 1 }.isEmpty)
        #expect(throws: HiveError.self) { try ConsensusConfiguration(similarityThreshold: 2) }
        #expect(throws: HiveError.self) { try ConsensusConfiguration(minimumVoters: 0) }
    }
}
