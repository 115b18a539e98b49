import Foundation
import GRDB
import HiveCore
import HiveLearning

/// The item-factor model a viewer twin scores and trains with, and how catalogue items map to its rows.
struct ViewerModel: Sendable {
    var model: ItemFactorModel
    /// Catalogue position → model row (nil: the item is not in the model).
    var rows: [Int?]
    /// Whether this is the hub's global model (updates are pushed) or a purely local one.
    var federated: Bool
    /// Rows the hub has published (the others are zeros nobody trained); empty for a local model.
    var published: Set<Int> = []
}

extension ViewerAgent {
    /// Local training parameters: BPR, few epochs (updates stay small: positives plus one sampled
    /// negative per positive per epoch), clipped to ‖Δ‖ ≤ 1 as the hub's norm bounding expects.
    /// Most liked items one local training run uses (the most recent ones).
    static let maxTrainingPositives = 200

    static func trainer() throws -> TrainerConfiguration {
        try TrainerConfiguration(algorithm: .bpr, learningRate: 0.05, regularization: 0.01, epochs: 5, negativesPerPositive: 1, clipNorm: 1)
    }

    /// A media id's row in the hub's global model: the id's value when it is a decimal integer in
    /// `0..<itemCount` (MovieLens ids, numeric catalogue keys), else nil (the item is scored by
    /// content, patterns and popularity only). The rule needs no shared table: every twin maps the
    /// same id to the same row, as the hub's engine expects (`LearningEngineConfiguration`).
    public static func globalRow(of mediaID: String, itemCount: Int) -> Int? {
        guard mediaID.utf8.count <= 9, let value = Int(mediaID), String(value) == mediaID, (0..<itemCount).contains(value) else {
            return nil
        }
        return value
    }

    /// The hub's global model when its shape is known (rows it published, zeros elsewhere, exactly as
    /// the hub's engine holds it), otherwise a local model over the catalogue with a fixed seed.
    func viewerModel(catalog: RecommendationEngine.Catalog) throws -> ViewerModel? {
        if let modelCache { return modelCache }
        let state = try SyncState.load(from: store)
        let view: ViewerModel
        if let items = state.modelItemCount, let rank = state.modelRank {
            var factors = [Float](repeating: 0, count: items * rank)
            var biases = [Float](repeating: 0, count: items)
            var published = Set<Int>()
            for (key, vector) in try knowledge.modelRows() {
                guard let row = Self.globalRow(of: key, itemCount: items), vector.count == rank + 1 else { continue }
                factors.replaceSubrange(row * rank..<(row + 1) * rank, with: vector[0..<rank])
                biases[row] = vector[rank]
                if vector.contains(where: { $0 != 0 }) { published.insert(row) }
            }
            let model = try ItemFactorModel(
                version: UInt64(max(0, try knowledge.modelVersion())), itemCount: items, rank: rank, factors: factors, biases: biases)
            view = ViewerModel(
                model: model, rows: catalog.items.map { Self.globalRow(of: $0.id, itemCount: items) }, federated: true, published: published)
        } else {
            guard catalog.items.count >= 2 else { return nil }
            let model = try ItemFactorModel(itemCount: catalog.items.count, rank: Self.defaultRank, seed: 0x5EED)
            view = ViewerModel(model: model, rows: Array(0..<catalog.items.count), federated: false)
        }
        modelCache = view
        return view
    }

    /// Trains the user vector (BPR) on liked items against the current item rows; the vector stays
    /// on the device. With the hub's model, the clipped item-row update is queued for the hub as a
    /// signed `model-update.v1` envelope in the same transaction. Returns whether an update was queued.
    @discardableResult
    func trainLocalModel(catalog: RecommendationEngine.Catalog) throws -> Bool {
        guard let view = try viewerModel(catalog: catalog) else { return false }
        var weights: [Int: Float] = [:]
        var lastSeen: [Int: Int64] = [:]
        for event in try events(unlearnedOnly: false) {
            guard let id = event.mediaID, let position = catalog.index[id], let row = view.rows[position], event.reward >= 0.5 else {
                continue
            }
            weights[row] = max(weights[row] ?? 0, Float(event.reward))
            lastSeen[row] = event.seq
        }
        // The most recent liked items only: keeps an update (positives plus sampled negatives)
        // well under the envelope and request size limits, and tracks the viewer's current taste.
        if weights.count > Self.maxTrainingPositives {
            let recent = Set(lastSeen.sorted { $0.value > $1.value }.prefix(Self.maxTrainingPositives).map(\.key))
            weights = weights.filter { recent.contains($0.key) }
        }
        guard !weights.isEmpty, weights.count < view.model.itemCount else { return false }
        let interactions = weights.sorted { $0.key < $1.key }.map { Interaction(item: $0.key, weight: $0.value) }
        var seed: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in store.twinID.utf8 { seed = (seed ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var rng = SeededGenerator(seed: seed ^ UInt64(truncatingIfNeeded: interactions.count) ^ (view.model.version << 32))
        let outcome = try LocalTrainer(configuration: try Self.trainer()).train(
            model: view.model, user: try userVector(rank: view.model.rank), interactions: interactions, twinID: store.twinID,
            using: &rng)
        let envelope =
            view.federated
            ? try SignedEnvelope.sign(outcome.update, kind: .modelUpdate, stamp: store.clock.now(), identity: store.identity) : nil
        let version = Int64(clamping: view.model.version)
        try store.write { db in
            try SyncState.set("viewer.user_vector", ModelRowsDelta.encodeVector(outcome.user), in: db)
            if let envelope {
                try outbox.enqueue(envelope, in: db)
                try SyncState.set("viewer.update_base_version", version, in: db)
            }
        }
        return envelope != nil
    }

    func userVector(rank: Int) throws -> [Float]? {
        let text = try store.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'viewer.user_vector'") }
        guard let text, let vector = ModelRowsDelta.decodeVector(text), vector.count == rank else { return nil }
        return vector
    }

    /// The model version the last queued update was based on (nil: none queued yet).
    func lastUpdateBaseVersion() throws -> Int64? {
        try store.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'viewer.update_base_version'") }
    }
}
