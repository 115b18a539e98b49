import HiveCore
import HiveLearning

extension LearningAggregationEngine {
    /// An ALS model update as a twin may send it.
    enum ALSPayload {
        /// The factored form (user vector and confidences), the one twins normally send.
        case factored(WALSContribution)
        /// Full ``WALSStatistics`` rows in a ``ModelUpdate``, accepted only when they decompose.
        case statistics(ModelUpdate)
    }

    /// Decodes and checks an ALS payload against the configured model: a ``WALSContribution``
    /// (vector of the model's rank, items in range, confidences in [1, 1e6]) or full statistics
    /// that ``WALSStatistics/decompose(_:itemCount:tolerance:)`` accepts — statistics no single
    /// user vector produces (an indefinite second moment, a vector part that is not c·x, a
    /// confidence below 1, no Gram row) are refused here, at push, naming the twin and the row,
    /// so they are never stored.
    func decodeALS(_ payload: [UInt8]) throws -> ALSPayload {
        struct Shape: Decodable {
            var factored: Bool
            enum Keys: String, CodingKey { case user }
            init(from decoder: any Decoder) throws {
                factored = try decoder.container(keyedBy: Keys.self).contains(.user)
            }
        }
        let rank = configuration.rank, itemCount = configuration.itemCount
        do {
            if try HiveJSON.decode(Shape.self, from: payload).factored {
                let contribution = try HiveJSON.decode(WALSContribution.self, from: payload)
                guard contribution.user.count == rank else {
                    throw HiveError(
                        .dimensionMismatch,
                        "ALS contribution has a user vector of \(contribution.user.count) values; the hub's model has rank \(rank)")
                }
                if let last = contribution.items.last, last.item >= itemCount {
                    throw HiveError(
                        .invalidInput,
                        "ALS contribution names item \(last.item); the hub's model has \(itemCount) items (0…\(itemCount - 1))")
                }
                return .factored(contribution)
            }
            let update = try HiveJSON.decode(ModelUpdate.self, from: payload)
            let layout = WALSStatistics(rank: rank)
            guard update.rank + 1 == layout.width else {
                throw HiveError(
                    .dimensionMismatch,
                    "ALS statistics rows have \(update.rank + 1) values; rank \(rank) needs \(layout.width) (rank + rank·(rank+1)/2)")
            }
            _ = try layout.decompose(update, itemCount: itemCount)
            return .statistics(update)
        } catch let error as HiveError {
            throw error
        } catch {
            throw HiveError(.invalidInput, "ALS model update: \(HiveJSON.describe(error))")
        }
    }

    /// The seeded initial model, every row, as the delta publishing `version`.
    func initialModel(seed: UInt64, version: Int64) throws -> ModelRowsDelta {
        let model = try ItemFactorModel(itemCount: configuration.itemCount, rank: configuration.rank, seed: seed)
        let rows = (0..<model.itemCount).map { item in
            ModelRowsDelta.Row(item: String(item), vector: Array(model.factors(of: item)) + [model.biases[item]])
        }
        return try ModelRowsDelta(version: version, dimension: configuration.rank + 1, rows: rows)
    }

    /// One federated weighted-ALS round: the newest valid contribution per twin, expanded to
    /// statistics, fused by the configured rule (``UpdateAggregator/aggregateStatistics(_:model:weights:)``),
    /// reputation recorded, then the exact item solve (``WALSSolver/itemStep(model:statistics:configuration:)``)
    /// publishes every solved row. The same steps, in the same order, as `FederatedSimulation`'s
    /// in-process ALS round.
    func alsRound(
        _ input: RoundInput, als: WALSConfiguration, book: inout ReputationBook, consumed: inout [String]
    ) throws -> (ModelRowsDelta?, Int) {
        let model = try currentModel(input)
        let layout = WALSStatistics(rank: model.rank)
        var latest: [String: ModelUpdate] = [:]
        for contribution in input.modelUpdates {
            consumed.append(contribution.envelopeID)
            let statistics: ModelUpdate?
            if let factored = decodedContributions.value(for: contribution.envelopeID) {
                statistics = try? factored.statistics(itemCount: model.itemCount)
            } else if let full = decodedUpdates.value(for: contribution.envelopeID) {
                statistics = full
            } else {
                switch try? decodeALS(contribution.payload) {
                case .factored(let factored): statistics = try? factored.statistics(itemCount: model.itemCount)
                case .statistics(let full): statistics = full
                case nil: statistics = nil
                }
            }
            guard let statistics, statistics.twinID == contribution.twinID,
                (try? layout.validate(statistics, model: model, maxStaleness: configuration.maxStaleness)) != nil
            else { continue }
            latest[contribution.twinID] = statistics
        }
        let updates = latest.keys.sorted().compactMap { latest[$0] }
        guard !updates.isEmpty else { return (nil, 0) }
        let weights = configuration.reputationWeights ? book.weights(for: updates.map(\.twinID)) : [:]
        let fused = try aggregator.aggregateStatistics(updates, model: model, weights: weights)
        try book.record(fused.twins)
        let step = try WALSSolver.itemStep(model: model, statistics: fused, configuration: als)
        let next = try model.applying(step.round, learningRate: configuration.learningRate)
        let rows = step.round.rows.map { row in
            ModelRowsDelta.Row(item: String(row.item), vector: Array(next.factors(of: row.item)) + [next.biases[row.item]])
        }
        guard !rows.isEmpty else { return (nil, updates.count) }
        return (
            try ModelRowsDelta(version: input.modelVersion + 1, dimension: configuration.rank + 1, rows: rows), updates.count
        )
    }
}
