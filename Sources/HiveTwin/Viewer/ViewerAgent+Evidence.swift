import GRDB
import HiveCore
import HiveLearning

extension ViewerAgent {
    /// Negatives sampled per fresh like when scoring the model.
    static let evidenceNegatives = 50
    /// Earlier evidence is multiplied by this at each session, so the confidence follows a model
    /// that improves round by round.
    static let evidenceDecay = 0.7

    /// Prequential check of the federated model: before training on `fresh` events, ranks each
    /// fresh liked item against sampled items the viewer never touched, by the model's logit with
    /// the current user vector. The AUC (ties count half) accumulates, decayed, in `meta`; it is the
    /// model's skill in ``ModelConfidence``. Nothing is scored without a federated model that has
    /// published rows and a fitted user vector.
    func scoreModel(onFresh fresh: [Event], catalog: RecommendationEngine.Catalog) throws {
        guard let view = try viewerModel(catalog: catalog), view.federated, !view.published.isEmpty,
            let user = try userVector(rank: view.model.rank)
        else { return }
        var touched = Set<Int>()
        for event in try events(unlearnedOnly: false) {
            if let id = event.mediaID, let index = catalog.index[id] { touched.insert(index) }
        }
        let candidates = (0..<catalog.items.count).filter { !touched.contains($0) && view.rows[$0] != nil }
        guard !candidates.isEmpty else { return }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for byte in store.twinID.utf8 { seed = (seed ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var rng = SeededGenerator(seed: seed ^ UInt64(truncatingIfNeeded: fresh.first?.seq ?? 0))
        func logit(_ index: Int) -> Float? { view.rows[index].map { view.model.score(user: user, item: $0) } }
        var sum = 0.0
        var count = 0.0
        for event in fresh where event.reward >= 0.5 {
            guard let id = event.mediaID, let index = catalog.index[id], let positive = logit(index) else { continue }
            var wins = 0.0
            for _ in 0..<Self.evidenceNegatives {
                guard let negative = logit(candidates[Int.random(in: 0..<candidates.count, using: &rng)]) else { continue }
                wins += positive > negative ? 1 : positive == negative ? 0.5 : 0
            }
            sum += wins / Double(Self.evidenceNegatives)
            count += 1
        }
        guard count > 0 else { return }
        let previous = try modelEvidence()
        let decayed = previous.count * Self.evidenceDecay
        let total = decayed + count
        let auc = (previous.auc * decayed + sum) / total
        try store.write { db in
            try SyncState.set("viewer.model_evidence", total, in: db)
            try SyncState.set("viewer.model_auc", auc, in: db)
        }
    }

    /// The decayed count of scored likes and the model's mean prequential AUC on them (0, 0.5: none yet).
    func modelEvidence() throws -> (count: Double, auc: Double) {
        try store.read { db in
            let count = try Double.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'viewer.model_evidence'") ?? 0
            let auc = try Double.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'viewer.model_auc'") ?? 0.5
            return (count.isFinite ? count : 0, auc.isFinite ? auc : 0.5)
        }
    }
}
