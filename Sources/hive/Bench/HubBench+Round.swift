import Foundation
import HiveCore
import HiveHub
import HiveLearning
import Logging

extension HubBench {
    /// What one measured aggregation round did.
    struct RoundMeasurement {
        var seconds: Double
        var cpuSeconds: Double
        var patterns: Int
        var updates: Int
        var failures: [String]
    }

    /// The round's workload: `twins` twins on a fresh SQLite hub with the default engine
    /// (`hive serve`'s: median-norm bounding, rows summed, agreement reputation), each pushing one
    /// signed model update (40 rows of a 2 000-item rank-16 model) and `patternsPerTwin` signed
    /// patterns spread over `topics` topics. The first fifth of the twins attack: their updates
    /// are the honest direction flipped and ten times larger. Ingest is not timed; one
    /// `OmegaCore.aggregate()` is (robust aggregation, reputation, pattern consensus, ledger
    /// entries and signed tree head, one transaction).
    ///
    /// Checks: one new model version from every update; one consolidated pattern per topic; every
    /// published row moved the honest way (each row has three honest senders and at most one
    /// attacker); every attacker's reputation below every honest twin's.
    // `@_optimize(none)` on the async set-up functions: Swift 6.3.1's release pipeline crashed
    // (signal 11 "while splitting coroutine") on their dead-`self` specialisations. Only the
    // set-up is unoptimised; the timed `OmegaCore.aggregate()` is HiveHub's optimised code.
    @_optimize(none)
    func measureRound(twins: Int, patternsPerTwin: Int, topics: Int, directory: String) async throws -> RoundMeasurement {
        let core = try await roundHub(directory: directory)
        var failures: [String] = []
        var twinIDs: [String] = []
        for index in 0..<twins {
            let (id, problems) = try await pushRoundWorkload(
                core, index: index, twins: twins, patternsPerTwin: patternsPerTwin, topics: topics)
            twinIDs.append(id)
            failures += problems
        }
        let cpuBefore = MeshBench.processCPUSeconds()
        let start = ContinuousClock.now
        let record = try await core.aggregate()
        let elapsed = ContinuousClock.now - start
        let cpu = MeshBench.processCPUSeconds() - cpuBefore
        let published = try await core.store.modelRows(sinceVersion: 0, limit: Self.roundItems)
        let reputations = try await Self.reputations(core, twinIDs)
        failures += Self.checkRound(record, published: published, reputations: reputations, twins: twins, topics: topics)
        return RoundMeasurement(
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, cpuSeconds: cpu,
            patterns: record.patternsConsidered, updates: record.updatesUsed - record.updatesRejected, failures: failures)
    }

    static let roundItems = 2000
    static let roundRank = 16
    static let rowsPerUpdate = 40
    /// Twin i sends rows j·residues + (i mod residues): each row's senders are the twins of one
    /// residue, of which at most one (i < twins/5 ≤ residues) attacks.
    static let residues = min(50, roundItems / rowsPerUpdate)

    /// A fresh SQLite hub with the default engine on a 2 000-item rank-16 model.
    @_optimize(none)
    func roundHub(directory: String) async throws -> OmegaCore {
        var configuration = HubConfiguration()
        configuration.dataDirectory = directory
        configuration.adminToken = String(repeating: "b", count: 40)
        configuration.aggregationIntervalMs = 0
        configuration.modelItems = Self.roundItems
        configuration.modelRank = Self.roundRank
        let engine = try LearningAggregationEngine(configuration: try configuration.learningConfiguration())
        let (server, _) = try HubServer.make(configuration: configuration, engine: engine, logger: Logger(label: "bench"))
        try await server.prepare()
        return server.core
    }

    /// Registers twin `index` and pushes its signed update and patterns; returns its id and any failed check.
    @_optimize(none)
    func pushRoundWorkload(_ core: OmegaCore, index: Int, twins: Int, patternsPerTwin: Int, topics: Int) async throws
        -> (String, [String])
    {
        let key = NodeIdentity.generate()
        let challenge = try await core.challenge()
        let registration = try await core.register(
            try Registration.Request.signed(identity: key, userID: "bench-\(index)", challenge: challenge.challenge))
        guard let twin = try await core.store.twin(id: registration.twinID) else { return ("", ["twin \(index) not stored"]) }
        let envelopes = try Self.roundEnvelopes(
            key: key, twinID: twin.id, index: index, attacker: index < twins / 5, patternsPerTwin: patternsPerTwin,
            topics: topics)
        let results = try await core.push(envelopes, twin: twin, kinds: OmegaCore.acceptedKinds)
        let accepted = results.filter { $0.status == .accepted }.count
        guard accepted == envelopes.count else {
            return (twin.id, ["twin \(index): \(accepted) of \(envelopes.count) accepted: \(results.compactMap(\.reason).prefix(2))"])
        }
        return (twin.id, [])
    }

    /// One twin's signed model update (attackers: the honest direction flipped, ×10) and patterns.
    static func roundEnvelopes(
        key: NodeIdentity, twinID: String, index: Int, attacker: Bool, patternsPerTwin: Int, topics: Int
    ) throws -> [SignedEnvelope] {
        let clock = HybridLogicalClock(nodeID: key.nodeID)
        let sign: Float = attacker ? -10 : 1
        let rows = (0..<rowsPerUpdate).map { j in
            RowUpdate(
                item: j * residues + index % residues,
                factors: (0..<roundRank).map { k in sign * (0.05 + 0.01 * Float((index + j + k) % 5 - 2)) },
                bias: sign * 0.02)
        }
        let update = try ModelUpdate(twinID: twinID, baseVersion: 0, rank: roundRank, rows: rows, interactionCount: 50)
        var envelopes = [try SignedEnvelope.sign(update, kind: .modelUpdate, stamp: clock.now(), identity: key)]
        for j in 0..<patternsPerTwin {
            let topic = (index * patternsPerTwin + j) % topics
            let stamp = clock.now()
            // Topic-specific words only, so topics do not cluster together.
            let approach = (0..<6).map { "t\(topic)w\($0)" }.joined(separator: " ")
            let pattern = try Pattern(
                id: "p-\(index)-\(j)", taskType: .preference, approach: approach, tags: ["bench"], alpha: 8, beta: 2,
                stamp: stamp)
            envelopes.append(try SignedEnvelope.sign(pattern, kind: .pattern, stamp: stamp, identity: key))
        }
        return envelopes
    }

    @_optimize(none)
    static func reputations(_ core: OmegaCore, _ twinIDs: [String]) async throws -> [Double] {
        var out: [Double] = []
        for id in twinIDs { out.append(try await core.store.twin(id: id)?.reputation ?? -1) }
        return out
    }

    /// The round's checks (see ``measureRound(twins:patternsPerTwin:topics:directory:)``).
    static func checkRound(
        _ record: RoundRecord, published: [ModelRowsDelta.Row], reputations: [Double], twins: Int, topics: Int
    ) -> [String] {
        var failures: [String] = []
        let counted = record.updatesUsed - record.updatesRejected
        if record.modelVersion != 1 || counted != twins {
            failures.append("round: model version \(record.modelVersion), \(counted) of \(twins) updates counted")
        }
        if record.patternsConsolidated != topics {
            failures.append("round: \(record.patternsConsolidated) consolidated patterns for \(topics) topics")
        }
        var touched = Set<Int>()
        for index in 0..<twins { for j in 0..<rowsPerUpdate { touched.insert(j * residues + index % residues) } }
        if published.count != touched.count { failures.append("round published \(published.count) rows, \(touched.count) touched") }
        let wrongWay = published.filter { $0.vector.prefix(roundRank).reduce(0, +) <= 0 }
        if let first = wrongWay.first {
            failures.append("\(wrongWay.count) rows moved against the honest direction, e.g. item \(first.item)")
        }
        let attackers = twins / 5
        if attackers > 0, reputations.count == twins {
            let bestAttacker = reputations.prefix(attackers).max() ?? 0
            let worstHonest = reputations.suffix(twins - attackers).min() ?? 0
            if bestAttacker >= worstHonest {
                failures.append("attackers' reputation (best \(bestAttacker)) not below honest twins' (worst \(worstHonest))")
            }
        }
        return failures
    }
}
