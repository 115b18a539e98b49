import Crypto
import Foundation
import HiveCore
import HiveLearning
import HiveLedger
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

/// The hub's default aggregation (issue 8, from issue 7's robust system): each twin's whole update
/// bounded at the round's median update norm, a row's senders summed, reputation scoring agreement
/// with the fused update (retention 0.5). The expected models are computed here from that
/// definition, independently of `UpdateAggregator`.
@Suite("Default robust aggregation over HTTP")
struct RobustDefaultRoundTests {
    static let rank = 4
    static let items = [1, 2, 3, 7]

    /// A hub configured only in shape: rule, combination and reputation are the defaults.
    static func configuration() -> HubConfiguration {
        var configuration = HubConfiguration()
        configuration.modelItems = 50
        configuration.modelRank = rank
        return configuration
    }

    /// Honest twins move every item the same way (+0.2 per factor, +0.1 bias) with their own size
    /// and a little jitter; attackers send the honest direction flipped and ten times larger.
    static func deltas(seed: Int, scale: Float) -> [[Float]] {
        items.map { item in
            (0..<rank).map { k in scale * (0.2 + 0.02 * Float((seed * 5 + k * 3 + item) % 5 - 2)) } + [scale * 0.1]
        }
    }

    static let twins: [(user: String, scale: Float, attacker: Bool)] = [
        ("honest-0", 1.0, false), ("honest-1", 1.4, false), ("honest-2", 0.7, false),
        ("attacker-0", -10, true), ("attacker-1", -12, true),
    ]

    static func update(twinID: String, deltas: [[Float]], baseVersion: UInt64) throws -> ModelUpdate {
        try ModelUpdate(
            twinID: twinID, baseVersion: baseVersion, rank: rank,
            rows: zip(items, deltas).map { RowUpdate(item: $0, factors: Array($1.prefix(rank)), bias: $1[rank]) },
            interactionCount: 10)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The definition: s_t = min(1, median‖Δ‖ / ‖Δ_t‖); row r moves by Σ_t w_t s_t Δ_t,r / median(w).
    static func expectedDelta(_ deltas: [[[Float]]], weights: [Double]) -> [[Double]] {
        let norms = deltas.map { rows in rows.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot() }
        let bound = median(norms)
        let scales = norms.map { min(1, bound / $0) }
        let reference = median(weights)
        return items.indices.map { r in
            (0...rank).map { k in
                deltas.indices.reduce(0.0) { $0 + weights[$1] * scales[$1] * Double(deltas[$1][r][k]) } / reference
            }
        }
    }

    @Test(
        "honest + sign-flipping twins over HTTP: each round's model is the median-norm-bounded, reputation-weighted row sum; attackers lose reputation; ledger entries keep their shape",
        arguments: Backend.available)
    func honestAndAttackers(backend: Backend) async throws {
        let configuration = Self.configuration()
        let engine = try LearningAggregationEngine(configuration: try configuration.learningConfiguration())
        #expect(engine.name.hasPrefix("median-norm-bounding(1.0)/sum+agreement+consensus"))
        let clock = TestClock()
        try await Fixture.withStore(backend) { store in
            let core = Fixture.core(store: store, clock: clock, configure: { $0 = Self.configuration(); $0.rateLimitPerMinute = 1000 }, engine: engine)
            try await Fixture.application(core: core).test(.router) { client in
                let hub = HubClient(client: client)
                var registered: [(identity: NodeIdentity, twinID: String, token: String)] = []
                for twin in Self.twins { registered.append(try await hub.register(user: twin.user)) }
                let deltas = Self.twins.enumerated().map { Self.deltas(seed: $0.offset, scale: $0.element.scale) }

                var model = [[Double]](repeating: [Double](repeating: 0, count: Self.rank + 1), count: Self.items.count)
                var weights = [Double](repeating: 0.5, count: Self.twins.count)  // every twin starts at 0.5
                var honestProgress: [Double] = []
                for round in 0..<2 {
                    for (index, twin) in registered.enumerated() {
                        let update = try Self.update(twinID: twin.twinID, deltas: deltas[index], baseVersion: UInt64(round))
                        let envelope = try SignedEnvelope.sign(
                            update, kind: .modelUpdate, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                        let response = try hub.decode(
                            OmegaSyncResponse.self,
                            try await hub.send(
                                .post, "/api/v1/sync", token: twin.token,
                                body: try HubClient.json(try OmegaSyncRequest(type: .push, since: 0, envelopes: [envelope]))))
                        #expect(response.results.map(\.status) == [.accepted], "\(response.results)")
                    }
                    clock.advance(ms: 10)
                    let record = try hub.decode(
                        RoundRecord.self, try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret))
                    #expect(record.modelVersion == Int64(round + 1) && record.updatesUsed == 5)

                    let expected = Self.expectedDelta(deltas, weights: weights)
                    for r in model.indices { for k in model[r].indices { model[r][k] += expected[r][k] } }
                    let page = try hub.decode(
                        HubAPI.ModelPage.self,
                        try await hub.send(.get, "/api/v1/model?sinceVersion=0", token: Fixture.adminSecret))
                    let delta = try #require(page.delta)
                    #expect(delta.version == Int64(round + 1) && delta.dimension == Self.rank + 1)
                    let served = Dictionary(uniqueKeysWithValues: delta.rows.map { ($0.item, $0.vector) })
                    #expect(Set(served.keys) == Set(Self.items.map(String.init)))
                    for (r, item) in Self.items.enumerated() {
                        let vector = try #require(served[String(item)])
                        for k in 0...Self.rank {
                            #expect(abs(Double(vector[k]) - model[r][k]) < 1e-4, "round \(round + 1) item \(item)[\(k)]: \(vector[k]) vs \(model[r][k])")
                        }
                    }
                    // How far this round moved the model along the honest direction (+ on every value).
                    honestProgress.append(expected.joined().reduce(0, +))

                    // Reputation: the attackers opposed the fused update, so their quality was 0.
                    for (index, twin) in registered.enumerated() {
                        let view = try hub.decode(
                            HubAPI.TwinView.self, try await hub.send(.get, "/api/v1/twins/\(twin.twinID)", token: Fixture.adminSecret))
                        if Self.twins[index].attacker {
                            #expect(abs(view.reputation - weights[index] * 0.5) < 1e-9, "\(Self.twins[index].user): \(view.reputation)")
                        }
                        weights[index] = view.reputation
                    }
                    let honest = weights.enumerated().filter { !Self.twins[$0.offset].attacker }.map(\.element)
                    let attackers = weights.enumerated().filter { Self.twins[$0.offset].attacker }.map(\.element)
                    #expect((attackers.max() ?? 1) < (honest.min() ?? 0), "\(weights)")
                }
                // Both rounds moved the honest way, and the second (attackers down-weighted) further.
                #expect(honestProgress[0] > 0 && honestProgress[1] > honestProgress[0], "\(honestProgress)")

                // Ledger entries keep their shape: the same keys as before this change.
                let head = try hub.decode(SignedTreeHead.self, try await hub.send(.get, "/api/v1/ledger/sth"))
                let page = try hub.decode(
                    HubAPI.LedgerEntriesPage.self,
                    try await hub.send(.get, "/api/v1/ledger/entries?start=0&end=\(head.treeSize)"))
                let entries = try page.entries.map { entry -> [String: Any] in
                    let data = try #require(Data(base64Encoded: entry.data))
                    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                }
                let rounds = entries.filter { $0["kind"] as? String == "round" }
                let envelopes = entries.filter { $0["kind"] as? String == "envelope" }
                #expect(rounds.count == 2 && envelopes.count == 10)
                for entry in rounds {
                    #expect(Set(entry.keys) == ["kind", "ref", "inputs", "at", "model_version", "model_hash"], "\(entry.keys)")
                    #expect((entry["inputs"] as? [String])?.count == 5)
                }
                for entry in envelopes {
                    #expect(Set(entry.keys) == ["kind", "ref", "twin", "envelope_kind", "signer", "signature"], "\(entry.keys)")
                }
                // The second round's hash commits to the rows it published (all four items, version 2).
                let current = try #require(
                    try hub.decode(
                        HubAPI.ModelPage.self,
                        try await hub.send(.get, "/api/v1/model?sinceVersion=1", token: Fixture.adminSecret)
                    ).delta)
                let hash = Hex.encode(Array(SHA256.hash(data: try HiveJSON.encode(current))))
                #expect(rounds.last?["model_hash"] as? String == hash)
                #expect((rounds.last?["model_version"] as? NSNumber)?.intValue == 2)
            }
        }
    }

    @Test("the defaults are the robust system; the older rule stays selectable by flag or hive.json")
    func defaultsAndOverrides() throws {
        let defaults = try HubConfiguration().learningConfiguration()
        #expect(defaults.rule == .medianNormBounding(multiple: 1))
        #expect(defaults.combination == .sum && defaults.scoresAgreement && defaults.reputation.retention == 0.5)
        var old = HubConfiguration()
        old.aggregationRule = "norm-bounding(1.0)"
        old.rowCombination = "mean"
        old.agreementReputation = false
        old.reputationRetention = 0.9
        let learning = try old.learningConfiguration()
        #expect(learning.rule == .normBounding(maxNorm: 1) && learning.combination == .mean && !learning.scoresAgreement)
        #expect(learning.reputation.retention == 0.9)
        #expect(try LearningAggregationEngine(configuration: learning).name.hasPrefix("norm-bounding(1.0)/mean+consensus"))
        for (change, setting) in [
            ({ (c: inout HubConfiguration) in c.rowCombination = "median" }, "rowCombination"),
            ({ (c: inout HubConfiguration) in c.reputationRetention = 1 }, "reputationRetention"),
            ({ (c: inout HubConfiguration) in c.reputationRetention = .nan }, "reputationRetention"),
            ({ (c: inout HubConfiguration) in c.aggregationRule = "median-norm-bounding(0)" }, "aggregationRule"),
        ] {
            var configuration = HubConfiguration()
            change(&configuration)
            #expect {
                try configuration.validate()
            } throws: { ($0 as? HiveError)?.message.contains(setting) == true }
        }
    }
}
