import Foundation
import HiveCore
import Testing

@testable import HiveLearning

@Suite("Federated weighted ALS")
struct WALSTests {
    static let rank = 3
    static let items = 7

    /// 5 twins over 7 items with a few positives each (weights vary), a small random model.
    static func world() throws -> (model: ItemFactorModel, twins: [[Interaction]]) {
        let model = try ItemFactorModel(itemCount: items, rank: rank, scale: 0.5, seed: 11)
        let twins: [[Interaction]] = [
            [.init(item: 0, weight: 1), .init(item: 2, weight: 2)],
            [.init(item: 1, weight: 1), .init(item: 2, weight: 1), .init(item: 5, weight: 1)],
            [.init(item: 0, weight: 3)],
            [.init(item: 3, weight: 1), .init(item: 4, weight: 1), .init(item: 0, weight: 1)],
            [.init(item: 2, weight: 1), .init(item: 4, weight: 0.5)],
        ]
        return (model, twins)
    }

    /// Every twin of ``world()`` trained once (λ 0.1, α 4) against the world's model.
    static func trainedWorld() throws -> (model: ItemFactorModel, twins: [[Interaction]], outputs: [(user: [Float], statistics: ModelUpdate)]) {
        let (model, twins) = try world()
        let trainer = WALSTrainer(configuration: try WALSConfiguration(regularization: 0.1, alpha: 4))
        let gram = WALSTrainer.gram(of: model)
        let outputs = try twins.enumerated().map { try trainer.train(model: model, gram: gram, interactions: $1, twinID: "t\($0)") }
        return (model, twins, outputs)
    }

    /// Solves a small dense system naively (Gaussian elimination, partial pivoting).
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var m = a
        var v = b
        let n = b.count
        for c in 0..<n {
            let p = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) } ?? c
            m.swapAt(c, p)
            v.swapAt(c, p)
            for r in (c + 1)..<n {
                let f = m[r][c] / m[c][c]
                for k in c..<n { m[r][k] -= f * m[c][k] }
                v[r] -= f * v[c]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = v[r]
            for k in (r + 1)..<n { s -= m[r][k] * x[k] }
            x[r] = s / m[r][r]
        }
        return x
    }

    /// Textbook dense WALS: every (user, item) cell, confidence 1 + α·w on positives (preference
    /// 1) and 1 elsewhere (preference 0).
    static func denseSolve(others: [[Double]], confidence: [Double], preference: [Double], lambda: Double) -> [Double] {
        let r = others[0].count
        var a = [[Double]](repeating: [Double](repeating: 0, count: r), count: r)
        var b = [Double](repeating: 0, count: r)
        for (j, y) in others.enumerated() {
            for p in 0..<r {
                b[p] += confidence[j] * preference[j] * y[p]
                for q in 0..<r { a[p][q] += confidence[j] * y[p] * y[q] }
            }
        }
        for p in 0..<r { a[p][p] += lambda }
        return solve(a, b)
    }

    @Test("the twin's Gram-trick user solve equals dense WALS over every item")
    func userSolveMatchesDense() throws {
        let (model, twins) = try Self.world()
        let config = try WALSConfiguration(regularization: 0.1, alpha: 4)
        let trainer = WALSTrainer(configuration: config)
        let gram = WALSTrainer.gram(of: model)
        let ys = (0..<Self.items).map { model.factors(of: $0).map(Double.init) }
        for own in twins {
            let x = try trainer.solveUser(model: model, gram: gram, interactions: own)
            var c = [Double](repeating: 1, count: Self.items), p = [Double](repeating: 0, count: Self.items)
            for i in own { c[i.item] = 1 + 4 * Double(i.weight); p[i.item] = 1 }
            let dense = Self.denseSolve(others: ys, confidence: c, preference: p, lambda: 0.1)
            for k in 0..<Self.rank { #expect(abs(Double(x[k]) - dense[k]) < 1e-4, "\(x) vs \(dense)") }
        }
    }

    @Test("one federated round (statistics through UpdateAggregator, hub solve) equals one dense centralised ALS item step")
    func federatedStepEqualsCentralised() throws {
        let (model, twins) = try Self.world()
        let config = try WALSConfiguration(regularization: 0.1, alpha: 4)
        let trainer = WALSTrainer(configuration: config)
        let gram = WALSTrainer.gram(of: model)
        var users: [[Float]] = []
        var statistics: [ModelUpdate] = []
        for (t, own) in twins.enumerated() {
            let out = try trainer.train(model: model, gram: gram, interactions: own, twinID: "t\(t)")
            users.append(out.user)
            statistics.append(out.statistics)
        }
        let aggregator = try UpdateAggregator(rule: .weightedMean, combination: .sum)
        let fused = try aggregator.aggregateStatistics(statistics, model: model)
        let step = try WALSSolver.itemStep(model: model, statistics: fused, configuration: config)
        #expect(step.unsolved == 0)
        #expect(step.round.rows.count == Self.items)  // every item, including item 6 nobody has
        var federated = model
        try federated.apply(step.round)
        // The exact (Double) sum gives the same step: the aggregator's sum is the centralised sum.
        let exact = try WALSSolver.itemStep(model: model, statistics: WALSSolver.sum(statistics, model: model), configuration: config)
        var central = model
        try central.apply(exact.round)
        #expect(TestData.maxAbsDifference(federated.factors, central.factors) < 1e-4)
        // And both equal dense WALS over every (user, item) cell.
        let xs = users.map { $0.map(Double.init) }
        for item in 0..<Self.items {
            var c = [Double](repeating: 1, count: twins.count), p = [Double](repeating: 0, count: twins.count)
            for (u, own) in twins.enumerated() {
                let w = own.filter { $0.item == item }.reduce(0) { $0 + Double($1.weight) }
                if w > 0 { c[u] = 1 + 4 * w; p[u] = 1 }
            }
            let dense = Self.denseSolve(others: xs, confidence: c, preference: p, lambda: 0.1)
            let got = federated.factors(of: item).map(Double.init)
            for k in 0..<Self.rank { #expect(abs(got[k] - dense[k]) < 1e-4, "item \(item): \(got) vs \(dense)") }
        }
        #expect(Set(federated.biases) == [0])
    }

    @Test("statistics rows carry c·x and (c − 1)·x·xᵀ; the Gram row x·xᵀ sits one past the last item")
    func layout() throws {
        let (model, _) = try Self.world()
        let trainer = WALSTrainer(configuration: try WALSConfiguration(regularization: 1, alpha: 2))
        let x: [Float] = [1, 2, -1]
        let update = try trainer.statistics(model: model, user: x, interactions: [.init(item: 4, weight: 1)], twinID: "t")
        #expect(update.rank + 1 == WALSStatistics(rank: 3).width)  // 3 + 6
        #expect(update.rows.map(\.item) == [4, Self.items])
        let row = update.rows[0].factors + [update.rows[0].bias]
        #expect(row == [3, 6, -3, 2, 4, 8, -2, -4, 2])  // c = 3: 3x, then 2·(x xᵀ) lower triangle
        let g = update.rows[1].factors + [update.rows[1].bias]
        #expect(g == [0, 0, 0, 1, 2, 4, -1, -2, 1])
    }

    @Test("bad statistics get specific errors")
    func badInput() throws {
        let (model, twins) = try Self.world()
        let config = try WALSConfiguration()
        let trainer = WALSTrainer(configuration: config)
        let aggregator = try UpdateAggregator(rule: .weightedMean, combination: .sum)
        // An ordinary row delta is not a statistics update.
        let delta = try ModelUpdate(twinID: "a", baseVersion: 0, rank: Self.rank, rows: [RowUpdate(item: 0, factors: [1, 1, 1], bias: 0)], interactionCount: 1)
        #expect(throws: HiveError.self) { try aggregator.aggregateStatistics([delta], model: model) }
        // An item beyond the Gram row.
        let wide = WALSStatistics(rank: Self.rank).width
        let far = try ModelUpdate(twinID: "b", baseVersion: 0, rank: wide - 1, rows: [RowUpdate(item: Self.items + 1, factors: [Float](repeating: 0, count: wide - 1), bias: 0)], interactionCount: 1)
        #expect(throws: HiveError.self) { try aggregator.aggregateStatistics([far], model: model) }
        // No Gram row: the hub cannot solve.
        var stats = try trainer.statistics(model: model, user: [0.1, 0.2, 0.3], interactions: twins[0], twinID: "c")
        stats.rows.removeLast()
        let fused = try aggregator.aggregateStatistics([stats], model: model)
        #expect(throws: HiveError.self) { try WALSSolver.itemStep(model: model, statistics: fused, configuration: config) }
        // Twin side: unknown items, wrong user length, non-finite user, bad Gram, bad parameters.
        #expect(throws: HiveError.self) { try trainer.solveUser(model: model, gram: WALSTrainer.gram(of: model), interactions: [.init(item: 99, weight: 1)]) }
        #expect(throws: HiveError.self) { try trainer.solveUser(model: model, gram: [1, 0], interactions: twins[0]) }
        #expect(throws: HiveError.self) { try trainer.statistics(model: model, user: [1, 2], interactions: twins[0], twinID: "d") }
        #expect(throws: HiveError.self) { try trainer.statistics(model: model, user: [1, .nan, 2], interactions: twins[0], twinID: "d") }
        #expect(throws: HiveError.self) { try WALSConfiguration(regularization: 0) }
        #expect(throws: HiveError.self) { try WALSConfiguration(alpha: -.infinity) }
    }

    @Test("attacks act on what ALS twins send: sign flip negates every statistics row, IPM sends −ε × the honest mean of each row")
    func attacksOnStatistics() throws {
        let (model, _, outputs) = try Self.trainedWorld()
        let stats = outputs.map(\.statistics)
        var rng = SeededGenerator(seed: 1)
        let flipped = try AttackSimulator.apply(.signFlip(scale: 10), to: stats, attackers: ["t0"], using: &rng)
        for (a, b) in zip(flipped[0].rows, stats[0].rows) {
            #expect(a.item == b.item)
            #expect(TestData.maxAbsDifference(a.factors, b.factors.map { -10 * $0 }) < 1e-5)
        }
        #expect(flipped[1] == stats[1])
        let ipm = try AttackSimulator.apply(.ipm(epsilon: 10), to: stats, attackers: ["t0"], using: &rng)
        // Item 0's honest senders are t2 and t3; the Gram row's are t1…t4.
        let honest0 = [stats[2].rows[0], stats[3].rows[0]]
        let forged0 = ipm[0].rows[0]
        for k in 0..<forged0.factors.count {
            let mean = (honest0[0].factors[k] + honest0[1].factors[k]) / 2
            #expect(abs(forged0.factors[k] + 10 * mean) < 1e-4)
        }
        let gramRows = stats[1...].compactMap(\.rows.last)
        let forgedGram = try #require(ipm[0].rows.last)
        #expect(forgedGram.item == Self.items)
        let meanBias = gramRows.map(\.bias).reduce(0, +) / Float(gramRows.count)
        #expect(abs(forgedGram.bias + 10 * meanBias) < 1e-4)
        // Poisoned statistics under the plain sum can make an item's system indefinite: the hub
        // leaves such rows unchanged (and says how many) instead of writing garbage.
        let fused = try UpdateAggregator(rule: .weightedMean, combination: .sum).aggregateStatistics(flipped, model: model)
        let step = try WALSSolver.itemStep(model: model, statistics: fused, configuration: try WALSConfiguration(regularization: 0.1, alpha: 4))
        #expect(step.unsolved + step.round.rows.count == Self.items)
        for row in step.round.rows { #expect(row.factors.allSatisfy { $0.isFinite }) }
    }

    @Test("the per-row bound keeps one sender from dominating an item")
    func rowBound() throws {
        let model = try ItemFactorModel(itemCount: 3, rank: 2, seed: 1)
        func update(_ id: String, _ v: Float) throws -> ModelUpdate {
            try ModelUpdate(twinID: id, baseVersion: 0, rank: 2, rows: [RowUpdate(item: 0, factors: [v, 0], bias: 0), RowUpdate(item: 1, factors: [1, 0], bias: 0)], interactionCount: 1)
        }
        let updates = try [update("a", 1), update("b", 1), update("c", 50)]
        let plain = try UpdateAggregator(rule: .weightedMean, combination: .sum).aggregate(updates, model: model)
        let bounded = try UpdateAggregator(rule: .weightedMean, combination: .sum, rowNormMultiple: 2).aggregate(updates, model: model)
        #expect(abs(plain.rows[0].factors[0] - 52) < 1e-4)
        #expect(abs(bounded.rows[0].factors[0] - 4) < 1e-4)  // 1 + 1 + 2 (bounded at 2 × median 1)
        #expect(abs(bounded.rows[1].factors[0] - 3) < 1e-4)  // untouched row
        #expect(throws: HiveError.self) { try UpdateAggregator(rule: .weightedMean, rowNormMultiple: 0) }
    }
}

@Suite("Federated weighted ALS under attack")
struct WALSAttackTests {
    @Test("honest statistics decompose into (x, c) and recompose exactly; forged raw rows are refused")
    func structureCheck() throws {
        let (_, twins, stats) = try WALSTests.trainedWorld()
        let layout = WALSStatistics(rank: WALSTests.rank)
        for (t, out) in stats.enumerated() {
            let d = try layout.decompose(out.statistics, itemCount: WALSTests.items)
            #expect(TestData.maxAbsDifference(d.user.map(Float.init), out.user) < 1e-4)
            let expected = try LocalTrainer.positives(twins[t], itemCount: WALSTests.items).map { 1 + 4 * Double($0.weight) }
            #expect(zip(d.confidences.map(\.confidence), expected).allSatisfy { abs($0 - $1) < 1e-3 })
            let again = try layout.compose(d, twinID: "t\(t)", baseVersion: 0, itemCount: WALSTests.items, interactionCount: 1)
            for (a, b) in zip(again.rows, out.statistics.rows) { #expect(TestData.maxAbsDifference(a.factors, b.factors) < 1e-4) }
        }
        var rng = SeededGenerator(seed: 2)
        let updates = stats.map(\.statistics)
        for attack in [Attack.signFlip(scale: 10), .gaussianNoise(sigma: 1), .ipm(epsilon: 10), .alie(z: nil)] {
            let raw = try AttackSimulator.apply(attack, to: updates, attackers: ["t1"], using: &rng)
            #expect(throws: HiveError.self) { try layout.decompose(raw[1], itemCount: WALSTests.items) }
        }
    }

    @Test("attacks on statistics act on the attacker's user vector and stay valid statistics")
    func vectorAttacks() throws {
        let (model, _, outs) = try WALSTests.trainedWorld()
        let layout = WALSStatistics(rank: WALSTests.rank)
        let updates = outs.map(\.statistics)
        var rng = SeededGenerator(seed: 3)
        func forgedUser(_ attack: Attack) throws -> [Float] {
            let forged = try AttackSimulator.apply(attack, toStatistics: updates, attackers: ["t0"], model: model, using: &rng)
            #expect(Array(forged[1...]) == Array(updates[1...]))
            #expect(forged[0].rows.map(\.item) == updates[0].rows.map(\.item))
            let d = try layout.decompose(forged[0], itemCount: WALSTests.items)
            // The attacker keeps its items and confidences.
            let own = try layout.decompose(updates[0], itemCount: WALSTests.items)
            #expect(zip(d.confidences, own.confidences).allSatisfy { abs($0.confidence - $1.confidence) < 1e-3 })
            // Gram fixes x only up to sign (the first row orients it); compare with the sign of the forged b.
            return d.user.map(Float.init)
        }
        let x = outs[0].user
        let honestMean = (0..<WALSTests.rank).map { k in outs[1...].map { $0.user[k] }.reduce(0, +) / 4 }
        let scaled = try forgedUser(.scaling(factor: 10))
        #expect(TestData.maxAbsDifference(scaled, x.map { 10 * $0 }) < 1e-3)
        // −10·x: the rebuilt rows carry b = c·(−10x), so their confidence stays ≥ 1 only with x
        // read off as −10x.
        let flipped = try AttackSimulator.apply(.signFlip(scale: 10), toStatistics: updates, attackers: ["t0"], model: model, using: &rng)
        let b = flipped[0].rows[0].factors.prefix(WALSTests.rank).map { $0 }
        let c0 = 1 + 4.0 * 1  // item 0, weight 1
        #expect(TestData.maxAbsDifference(b, x.map { Float(-10 * c0) * $0 }) < 1e-3)
        let ipm = try forgedUser(.ipm(epsilon: 10))
        #expect(TestData.maxAbsDifference(ipm.map { abs($0) }, honestMean.map { abs(10 * $0) }) < 1e-3)
    }
}
