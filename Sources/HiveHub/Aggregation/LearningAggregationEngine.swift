import Crypto
import Foundation
import HiveCore
import HiveEmbeddings
import HiveLearning

/// The hub's aggregation engine over HiveLearning: robust fusion of twins' sparse model updates
/// (``UpdateAggregator``; default median-norm bounding with reputation weights, row senders
/// summed), reputation kept in a ``ReputationBook`` from each round's ``TwinDiagnostics`` (by
/// default scoring agreement with the fused update too), and ``PatternConsensus`` over pending
/// patterns.
///
/// Patterns need vectors and ``RoundInput`` carries no embedder, so approach texts are embedded
/// with HiveEmbeddings' explicit ``HashingEmbedder`` (shared words, not meaning); ``name`` says so
/// (`/stats` and `/health` show it). Item ids bridge as ``LearningEngineConfiguration`` documents:
/// integer index ↔ its decimal string.
public struct LearningAggregationEngine: AggregationEngine {
    public let configuration: LearningEngineConfiguration
    let aggregator: UpdateAggregator
    private let consensus: PatternConsensus
    private let embedder: HashingEmbedder
    /// Updates and patterns decoded at ingest, by envelope id, so a round decodes each only once.
    let decodedUpdates = DecodedPayloadCache<ModelUpdate>(capacity: 50_000)
    private let decodedPatterns = DecodedPayloadCache<Pattern>(capacity: 200_000)
    /// ALS contributions decoded at ingest (factored form; expanded to statistics in the round).
    let decodedContributions = DecodedPayloadCache<WALSContribution>(capacity: 50_000)

    /// Throws `invalid-input` for a bad configuration.
    public init(configuration: LearningEngineConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        aggregator = try UpdateAggregator(
            rule: configuration.rule, maxStaleness: configuration.maxStaleness, combination: configuration.combination,
            scoresAgreement: configuration.scoresAgreement, agreementReference: configuration.agreementReference,
            rowNormMultiple: configuration.rowNormMultiple, normBasis: configuration.normBasis,
            linearStatisticsAgreement: configuration.linearStatisticsAgreement)
        consensus = PatternConsensus(configuration: configuration.consensus)
        embedder = try HashingEmbedder(dimensions: configuration.patternEmbeddingDimensions)
    }

    /// Rule, row combination, reputation signal and pattern-embedding method, e.g.
    /// `median-norm-bounding(1.0)/sum+agreement+consensus[hashing-ngram-v1:d384:n2]`.
    public var name: String {
        "\(configuration.als.map { "als(λ=\($0.regularization),α=\($0.alpha)):" } ?? "")"
            + "\(Self.describe(configuration.rule))/\(configuration.combination.rawValue)"
            + "\(configuration.rowNormMultiple.map { "+row-bound(\($0))" } ?? "")"
            + "\(configuration.scoresAgreement ? "+agreement" : "")"
            + "\(configuration.reputationWeights ? "" : "+unweighted")+consensus[\(patternEmbeddingMethod)]"
    }

    /// How pattern approach texts are embedded for consensus (always the hashing embedder here).
    public var patternEmbeddingMethod: String { embedder.modelID }

    public func validateModelUpdate(_ payload: [UInt8]) throws {
        if configuration.als != nil { _ = try decodeALS(payload) } else { _ = try decodeUpdate(payload) }
    }

    public func validateModelUpdate(_ payload: [UInt8], envelopeID: String) throws {
        guard configuration.als != nil else {
            decodedUpdates.insert(try decodeUpdate(payload), for: envelopeID)
            return
        }
        switch try decodeALS(payload) {
        case .factored(let contribution): decodedContributions.insert(contribution, for: envelopeID)
        case .statistics(let update): decodedUpdates.insert(update, for: envelopeID)
        }
    }

    public func admitted(_ pattern: Pattern, envelopeID: String) {
        decodedPatterns.insert(pattern, for: envelopeID)
    }

    /// A decoded update that fits the configured model (rank, item range); throws naming the problem.
    func decodeUpdate(_ payload: [UInt8]) throws -> ModelUpdate {
        let update: ModelUpdate
        do {
            update = try HiveJSON.decode(ModelUpdate.self, from: payload)
        } catch let error as HiveError {
            throw error
        } catch {
            throw HiveError(.invalidInput, "model update: \(HiveJSON.describe(error))")
        }
        guard update.rank == configuration.rank else {
            throw HiveError(
                .dimensionMismatch, "model update has rank \(update.rank); the hub's model has rank \(configuration.rank)")
        }
        if let last = update.rows.last, last.item >= configuration.itemCount {
            throw HiveError(
                .invalidInput,
                "model update touches item \(last.item); the hub's model has \(configuration.itemCount) items (0…\(configuration.itemCount - 1))"
            )
        }
        return update
    }

    public func round(_ input: RoundInput) throws -> RoundOutput {
        var consumed: [String] = []
        var book = try Self.book(input.reputations, configuration: configuration.reputation)

        // Model updates: the newest valid one per twin counts; invalid, mis-attributed, stale and
        // superseded ones are consumed so they do not linger.
        var modelDelta: ModelRowsDelta?
        var aggregated = 0
        if let seed = configuration.initialSeed, input.modelDimension == nil {
            // No model published yet: this round publishes the seeded initial model; pending
            // updates (based on no published version) wait for the next round.
            modelDelta = try initialModel(seed: seed, version: input.modelVersion + 1)
        } else if let als = configuration.als, !input.modelUpdates.isEmpty {
            (modelDelta, aggregated) = try alsRound(input, als: als, book: &book, consumed: &consumed)
        } else if !input.modelUpdates.isEmpty {
            let model = try currentModel(input)
            var latest: [String: (envelopeID: String, update: ModelUpdate)] = [:]
            for contribution in input.modelUpdates {
                consumed.append(contribution.envelopeID)
                guard
                    let update = decodedUpdates.value(for: contribution.envelopeID)
                        ?? (try? decodeUpdate(contribution.payload)),
                    update.twinID == contribution.twinID,
                    (try? update.validate(against: model, maxStaleness: configuration.maxStaleness)) != nil
                else { continue }
                latest[contribution.twinID] = (contribution.envelopeID, update)
            }
            let updates = latest.keys.sorted().compactMap { latest[$0]?.update }
            aggregated = updates.count
            if !updates.isEmpty {
                let weights = configuration.reputationWeights ? book.weights(for: updates.map(\.twinID)) : [:]
                let round = try aggregator.aggregate(updates, model: model, weights: weights)
                let next = try model.applying(round, learningRate: configuration.learningRate)
                try book.record(round.twins)
                let rows = round.rows.map { row in
                    ModelRowsDelta.Row(
                        item: String(row.item), vector: Array(next.factors(of: row.item)) + [next.biases[row.item]])
                }
                modelDelta = try ModelRowsDelta(
                    version: input.modelVersion + 1, dimension: configuration.rank + 1, rows: rows)
            }
        }

        let (consolidated, patternsConsumed) = try consolidate(input, book: book)
        consumed += patternsConsumed

        var reputations: [String: Double] = [:]
        for (twin, score) in book.scores where input.reputations[twin] != nil { reputations[twin] = score }
        return RoundOutput(
            consolidated: consolidated, modelDelta: modelDelta, reputations: reputations, consumed: consumed,
            patternsConsidered: input.patterns.count, updatesAggregated: aggregated)
    }

    /// The global model as stored: zero rows except those published; throws `inconsistent` when
    /// a stored row does not fit the configured shape.
    func currentModel(_ input: RoundInput) throws -> ItemFactorModel {
        let width = configuration.rank + 1
        if let dimension = input.modelDimension, dimension != width {
            throw HiveError(
                .inconsistent, "stored model rows have dimension \(dimension); the engine's rank \(configuration.rank) needs \(width)")
        }
        guard input.modelVersion >= 0 else {
            throw HiveError(.inconsistent, "stored model version \(input.modelVersion) is negative")
        }
        var factors = [Float](repeating: 0, count: configuration.itemCount * configuration.rank)
        var biases = [Float](repeating: 0, count: configuration.itemCount)
        for (key, vector) in input.currentRows {
            guard let item = Int(key), String(item) == key, (0..<configuration.itemCount).contains(item),
                vector.count == width
            else {
                throw HiveError(.inconsistent, "stored model row \(key) does not fit \(configuration.itemCount) items × \(width)")
            }
            for k in 0..<configuration.rank { factors[item * configuration.rank + k] = vector[k] }
            biases[item] = vector[configuration.rank]
        }
        return try ItemFactorModel(
            version: UInt64(input.modelVersion), itemCount: configuration.itemCount, rank: configuration.rank,
            factors: factors, biases: biases)
    }

    /// Consensus over pending patterns. Members of accepted clusters and undecodable patterns are
    /// consumed; patterns in clusters still short of voters or agreement stay pending.
    func consolidate(_ input: RoundInput, book: ReputationBook) throws -> ([ConsolidatedPattern], [String]) {
        var consumed: [String] = []
        var patterns: [String: Pattern] = [:]
        var votes: [PatternVote] = []
        var decoded: [(PendingContribution, Pattern)] = []
        for contribution in input.patterns {
            guard
                let pattern = decodedPatterns.value(for: contribution.envelopeID)
                    ?? (try? HiveJSON.decode(Pattern.self, from: contribution.payload))
            else {
                consumed.append(contribution.envelopeID)
                continue
            }
            decoded.append((contribution, pattern))
        }
        let embeddings = embedder.embed(decoded.map { $0.1.approach })
        for ((contribution, pattern), embedding) in zip(decoded, embeddings) {
            // An approach with no words embeds to zeros: it can never join a cluster.
            guard
                let vote = try? PatternVote(
                    patternID: contribution.envelopeID, twinID: contribution.twinID, embedding: embedding,
                    successRate: pattern.successRate)
            else {
                consumed.append(contribution.envelopeID)
                continue
            }
            patterns[contribution.envelopeID] = pattern
            votes.append(vote)
        }
        guard !votes.isEmpty else { return ([], consumed) }
        var consolidated: [ConsolidatedPattern] = []
        for cluster in try consensus.evaluate(votes, reputation: book) where cluster.accepted {
            guard var pattern = patterns[cluster.representative] else { continue }
            let members = cluster.members.compactMap { patterns[$0] }
            pattern.origin = .global
            pattern.alpha = members.reduce(0) { $0 + $1.alpha }
            pattern.beta = members.reduce(0) { $0 + $1.beta }
            // Provenance: the member envelopes here, the distinct voting twins in `contributors`.
            pattern.provenance = Array(cluster.members.prefix(1024))
            let digest = SHA256.hash(data: Data("\(pattern.taskType)\u{1F}\(pattern.approach)".utf8))
            let id = "consensus-" + digest.prefix(12).map { String(format: "%02x", $0) }.joined()
            pattern.id = id
            let score = min(1, max(0, cluster.score))
            let priority: ConsolidatedPattern.Priority = score >= 0.85 ? .high : (score >= 0.75 ? .medium : .low)
            consolidated.append(
                try ConsolidatedPattern(
                    id: id, pattern: pattern, priority: priority, voters: cluster.votes, agreement: score,
                    quality: score, round: input.round,
                    contributors: Array(cluster.voters.prefix(ConsolidatedPattern.maxContributors))))
            consumed += cluster.members
        }
        return (consolidated, consumed)
    }

    /// A book holding the store's scores (ReputationBook only takes scores by decoding).
    static func book(_ scores: [String: Double], configuration: ReputationConfiguration) throws -> ReputationBook {
        struct Seed: Encodable {
            var configuration: ReputationConfiguration
            var scores: [String: Double]
        }
        let clamped = scores.mapValues { $0.isFinite ? min(1, max(0, $0)) : configuration.initial }
        return try JSONDecoder().decode(
            ReputationBook.self, from: JSONEncoder().encode(Seed(configuration: configuration, scores: clamped)))
    }

    static func describe(_ rule: AggregationRule) -> String {
        switch rule {
        case .weightedMean: "weighted-mean"
        case .median: "median"
        case .trimmedMean(let beta): "trimmed-mean(\(beta))"
        case .krum(let f): "krum(\(f))"
        case .multiKrum(let f): "multi-krum(\(f))"
        case .centeredClipping(let radius, let iterations): "centered-clipping(\(radius.map { "\($0)" } ?? "median"),\(iterations))"
        case .normBounding(let maxNorm): "norm-bounding(\(maxNorm))"
        case .medianNormBounding(let multiple): "median-norm-bounding(\(multiple))"
        }
    }
}
