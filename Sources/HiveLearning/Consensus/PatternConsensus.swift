import HiveCore

/// Pattern consensus: cluster similar patterns, count distinct twins as votes, weight their
/// success by reputation, accept a cluster when enough twins agree.
///
/// Deterministic: votes are ordered by (pattern id, twin id) before clustering, so the same
/// set of votes gives the same clusters whatever order they arrived in. Clustering is
/// leader-based: a pattern joins the first cluster whose founding pattern has cosine ≥ the
/// threshold with it, else founds a new one — one pass, O(patterns × clusters × dimensions).
public struct PatternConsensus: Sendable, Hashable {
    public var configuration: ConsensusConfiguration

    public init(configuration: ConsensusConfiguration = .standard) {
        self.configuration = configuration
    }

    /// Clusters `votes` and judges each cluster. `reputation` gives each twin's weight in
    /// [0, 1] (e.g. ``ReputationBook/score(of:)``). Returns accepted clusters first, then by
    /// score, votes and representative id.
    ///
    /// Throws when the votes disagree on embedding length, a vote is invalid, the same twin
    /// votes the same pattern id twice, or a reputation is outside [0, 1].
    public func evaluate(_ votes: [PatternVote], reputation: (String) -> Double) throws -> [ConsensusCluster] {
        try configuration.validate()
        guard let dimensions = votes.first?.embedding.count else { return [] }
        var keys = Set<[String]>()
        for vote in votes {
            try vote.validate()
            guard vote.embedding.count == dimensions else {
                throw HiveError(
                    .dimensionMismatch,
                    "pattern \(vote.patternID) has a \(vote.embedding.count)-dimensional embedding; others have \(dimensions)")
            }
            guard keys.insert([vote.patternID, vote.twinID]).inserted else {
                throw HiveError(.duplicate, "twin \(vote.twinID) voted pattern \(vote.patternID) twice")
            }
        }
        let ordered = votes.sorted { ($0.patternID, $0.twinID) < ($1.patternID, $1.twinID) }

        // Unit-normalised embeddings, contiguous, so cosine is one dot product.
        var unit = [Float](repeating: 0, count: ordered.count * dimensions)
        for (i, vote) in ordered.enumerated() {
            let norm = Float(vote.embedding.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
            for k in 0..<dimensions { unit[i * dimensions + k] = vote.embedding[k] / norm }
        }
        let threshold = configuration.similarityThreshold
        var leaders: [Int] = []
        var membership: [[Int]] = []
        unit.withUnsafeBufferPointer { ub in
            guard let u = ub.baseAddress else { return }
            for i in 0..<ordered.count {
                var joined = false
                for (c, leader) in leaders.enumerated()
                where VectorKernels.dot(u + i * dimensions, u + leader * dimensions, count: dimensions) >= threshold {
                    membership[c].append(i)
                    joined = true
                    break
                }
                if !joined {
                    leaders.append(i)
                    membership.append([i])
                }
            }
        }

        var clusters: [ConsensusCluster] = []
        for (c, members) in membership.enumerated() {
            var perTwin: [String: (sum: Double, count: Int)] = [:]
            for m in members {
                let vote = ordered[m]
                perTwin[vote.twinID, default: (0, 0)].sum += vote.successRate
                perTwin[vote.twinID, default: (0, 0)].count += 1
            }
            let voters = perTwin.keys.sorted()
            var weighted = 0.0, total = 0.0
            for twin in voters {
                let r = reputation(twin)
                guard r.isFinite, r >= 0, r <= 1 else {
                    throw HiveError(.invalidInput, "reputation of twin \(twin) must be in [0, 1], got \(r)")
                }
                guard let entry = perTwin[twin] else { continue }
                weighted += r * entry.sum / Double(entry.count)
                total += r
            }
            let score = total > 0 ? weighted / total : 0
            let rejection: ConsensusCluster.Rejection?
            if voters.count < configuration.minimumVoters {
                rejection = .tooFewVoters(voters: voters.count, required: configuration.minimumVoters)
            } else if total == 0 {
                rejection = .noReputation
            } else if score < configuration.agreementThreshold {
                rejection = .insufficientAgreement(score: score, required: configuration.agreementThreshold)
            } else {
                rejection = nil
            }
            clusters.append(
                ConsensusCluster(
                    representative: ordered[leaders[c]].patternID, members: members.map { ordered[$0].patternID },
                    voters: voters, score: score, rejection: rejection))
        }
        clusters.sort {
            if $0.accepted != $1.accepted { return $0.accepted }
            if $0.score != $1.score { return $0.score > $1.score }
            if $0.votes != $1.votes { return $0.votes > $1.votes }
            return $0.representative < $1.representative
        }
        return clusters
    }

    /// ``evaluate(_:reputation:)`` with scores from a ``ReputationBook``.
    public func evaluate(_ votes: [PatternVote], reputation book: ReputationBook) throws -> [ConsensusCluster] {
        try evaluate(votes) { book.score(of: $0) }
    }
}
