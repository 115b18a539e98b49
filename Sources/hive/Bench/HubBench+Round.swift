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
    func measureRound(twins: Int, patternsPerTwin: Int, topics: Int, directory: String) async throws -> RoundMeasurement {
        let items = 2000, rank = 16, rowsPerUpdate = 40
        var configuration = HubConfiguration()
        configuration.dataDirectory = directory
        configuration.adminToken = String(repeating: "b", count: 40)
        configuration.aggregationIntervalMs = 0
        configuration.modelItems = items
        configuration.modelRank = rank
        let engine = try LearningAggregationEngine(configuration: try configuration.learningConfiguration())
        let (server, _) = try HubServer.make(configuration: configuration, engine: engine, logger: Logger(label: "bench"))
        try await server.prepare()
        let core = server.core
        let attackers = twins / 5
        // Twin i sends rows j·50 + (i mod 50): each row's senders are the twins of one residue,
        // of which at most one (i < twins/5 ≤ 50) attacks.
        let residues = min(50, items / rowsPerUpdate)
        var failures: [String] = []
        var twinIDs: [String] = []
        for index in 0..<twins {
            let key = NodeIdentity.generate()
            let challenge = try await core.challenge()
            let registration = try await core.register(
                try Registration.Request.signed(identity: key, userID: "bench-\(index)", challenge: challenge.challenge))
            guard let twin = try await core.store.twin(id: registration.twinID) else {
                return RoundMeasurement(seconds: 0, cpuSeconds: 0, patterns: 0, updates: 0, failures: ["twin not stored"])
            }
            twinIDs.append(twin.id)
            let clock = HybridLogicalClock(nodeID: key.nodeID)
            let sign: Float = index < attackers ? -10 : 1
            let rows = (0..<rowsPerUpdate).map { j in
                RowUpdate(
                    item: j * residues + index % residues,
                    factors: (0..<rank).map { k in sign * (0.05 + 0.01 * Float((index + j + k) % 5 - 2)) },
                    bias: sign * 0.02)
            }
            let update = try ModelUpdate(twinID: twin.id, baseVersion: 0, rank: rank, rows: rows, interactionCount: 50)
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
            let results = try await core.push(envelopes, twin: twin, kinds: OmegaCore.acceptedKinds)
            let accepted = results.filter { $0.status == .accepted }.count
            if accepted != envelopes.count {
                failures.append("twin \(index): \(accepted) of \(envelopes.count) accepted: \(results.compactMap(\.reason).prefix(2))")
            }
        }

        let cpuBefore = MeshBench.processCPUSeconds()
        let start = ContinuousClock.now
        let record = try await core.aggregate()
        let elapsed = ContinuousClock.now - start
        let cpu = MeshBench.processCPUSeconds() - cpuBefore
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

        if record.modelVersion != 1 || record.updatesUsed - record.updatesRejected != twins {
            failures.append("round: model version \(record.modelVersion), \(record.updatesUsed - record.updatesRejected) of \(twins) updates counted")
        }
        if record.patternsConsolidated != topics {
            failures.append("round: \(record.patternsConsolidated) consolidated patterns for \(topics) topics")
        }
        let published = try await core.store.modelRows(sinceVersion: 0, limit: items)
        let touched = Set((0..<twins).flatMap { index in (0..<rowsPerUpdate).map { $0 * residues + index % residues } })
        if published.count != touched.count { failures.append("round published \(published.count) rows, \(touched.count) touched") }
        let wrongWay = published.filter { $0.vector.prefix(rank).reduce(0, +) <= 0 }
        if !wrongWay.isEmpty { failures.append("\(wrongWay.count) rows moved against the honest direction, e.g. item \(wrongWay[0].item)") }
        var reputations: [Double] = []
        for id in twinIDs { reputations.append(try await core.store.twin(id: id)?.reputation ?? -1) }
        let worstHonest = reputations[attackers...].min() ?? 0
        let bestAttacker = reputations[..<attackers].max() ?? 0
        if attackers > 0, bestAttacker >= worstHonest {
            failures.append("attackers' reputation (best \(bestAttacker)) not below honest twins' (worst \(worstHonest))")
        }
        return RoundMeasurement(
            seconds: seconds, cpuSeconds: cpu, patterns: record.patternsConsidered, updates: record.updatesUsed - record.updatesRejected,
            failures: failures)
    }
}
