import HiveCore
import Testing

@testable import HiveLearning

@Suite("Attack simulators")
struct AttackTests {
    @Test("ALIE z_max and the normal quantile")
    func alieZ() {
        #expect(abs(Normal.quantile(0.975) - 1.959963984540054) < 1e-9)
        #expect(abs(Normal.quantile(0.5)) < 1e-12)
        #expect(abs(Normal.quantile(0.001) + 3.090232306167813) < 1e-9)
        // Baruch et al.: n = 50, f = 24 → s = 2, z = Φ⁻¹(48/50) ≈ 1.75.
        #expect(abs(AttackSimulator.alieZ(clients: 50, byzantine: 24) - 1.7506860712521692) < 1e-9)
    }

    @Test("each attack forges what it should")
    func forged() throws {
        let honest: [[Float]] = [[1, 2], [3, 2], [2, 5], [2, 3]]
        let m = try UpdateMatrix(honest)
        var rng = SeededGenerator(seed: 1)
        let flip = try AttackSimulator.apply(.signFlip(scale: 2), to: m, attackers: [3], using: &rng)
        #expect(Array(flip.row(3)) == [-4, -6])
        let boost = try AttackSimulator.apply(.scaling(factor: 10), to: m, attackers: [0], using: &rng)
        #expect(Array(boost.row(0)) == [10, 20])
        // Honest rows 0…2: mean (2, 3), population std (√(2/3), √2).
        let alie = try AttackSimulator.apply(.alie(z: 1), to: m, attackers: [3], using: &rng)
        #expect(abs(alie.row(3).first! - (2 - (2.0 / 3).squareRoot())) < 1e-5)
        let ipm = try AttackSimulator.apply(.ipm(epsilon: 0.5), to: m, attackers: [3], using: &rng)
        #expect(Array(ipm.row(3)) == [-1, -1.5])
        let noise = try AttackSimulator.apply(.gaussianNoise(sigma: 3), to: m, attackers: [1], using: &rng)
        #expect(Array(noise.row(1)) != honest[1] && Array(noise.row(0)) == honest[0])
        #expect(throws: HiveError.self) {
            try AttackSimulator.apply(.signFlip(scale: .nan), to: m, attackers: [1], using: &rng)
        }
        #expect(throws: HiveError.self) {
            try AttackSimulator.apply(.signFlip(scale: 1), to: m, attackers: [9], using: &rng)
        }
    }

    @Test("ALIE hides inside the honest spread: a third of ALIE attackers drag the mean but stay unexcluded")
    func alieIsStealthy() throws {
        var rng = SeededGenerator(seed: 2)
        let rows = (0..<15).map { _ in (0..<40).map { _ in Float(rng.nextGaussian()) } }
        let attacked = try AttackSimulator.apply(
            .alie(z: nil), to: try UpdateMatrix(rows), attackers: Set(10..<15), using: &rng)
        let trimmed = try RobustAggregation.trimmedMean(attacked, beta: 0.2)
        #expect(trimmed.clients[10..<15].allSatisfy { !$0.excluded })
    }

    @Test("Sybils: many keys, one attack; label flip and promotion poison the data")
    func sybilsAndPoison() throws {
        let update = try ModelUpdate(
            twinID: "x", baseVersion: 0, rank: 2, rows: [RowUpdate(item: 3, factors: [1, 1], bias: 0)],
            interactionCount: 1)
        var rng = SeededGenerator(seed: 3)
        let sybils = try AttackSimulator.sybils(of: update, count: 20, idPrefix: "sybil", jitter: 0.01, using: &rng)
        #expect(Set(sybils.map(\.twinID)).count == 20)
        #expect(sybils.allSatisfy { abs($0.rows[0].factors[0] - 1) < 0.1 })
        let interactions = [Interaction(item: 1), Interaction(item: 2)]
        let flipped = try PoisonedInteractions.labelFlip(interactions, itemCount: 10, using: &rng)
        #expect(flipped.count == 2 && Set(flipped.map(\.item)).isDisjoint(with: [1, 2]))
        #expect(try PoisonedInteractions.promote([7], weight: 5) == [Interaction(item: 7, weight: 5)])
        #expect(throws: HiveError.self) { try PoisonedInteractions.labelFlip(interactions, itemCount: 3, using: &rng) }
    }

    @Test("Sybils can outvote a median when they are the majority — reputation has to catch them")
    func sybilMajority() throws {
        let model = try ItemFactorModel(itemCount: 5, rank: 1, seed: 1)
        let honest = try (0..<4).map {
            try ModelUpdate(
                twinID: "h\($0)", baseVersion: 0, rank: 1, rows: [RowUpdate(item: 0, factors: [0.1], bias: 0)],
                interactionCount: 1)
        }
        let evil = try ModelUpdate(
            twinID: "e", baseVersion: 0, rank: 1, rows: [RowUpdate(item: 0, factors: [-5], bias: 0)],
            interactionCount: 1)
        var rng = SeededGenerator(seed: 1)
        let sybils = try AttackSimulator.sybils(of: evil, count: 6, idPrefix: "s", using: &rng)
        let round = try UpdateAggregator(rule: .median).aggregate(honest + sybils, model: model)
        #expect(round.rows[0].factors[0] == -5)
    }
}
