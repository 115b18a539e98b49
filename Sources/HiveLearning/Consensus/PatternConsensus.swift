import HiveCore

/// Pattern consensus: cluster similar patterns, count distinct twins as votes, weight their
/// success by reputation, accept a cluster when enough twins agree.
///
/// Deterministic: votes are ordered by (pattern id, twin id) before clustering, so the same
/// set of votes gives the same clusters whatever order they arrived in. Clustering is
/// leader-based: a pattern joins the first cluster whose founding pattern has cosine ≥ the
/// threshold with it, else founds a new one — one pass, O(patterns × clusters × dimensions).
public struct PatternConsensus: Sendable, Hashable {
    /// Thresholds for clustering, voters and agreement.
    public var configuration: ConsensusConfiguration

    /// A consensus engine with the given thresholds (the design defaults when omitted).
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
        struct Key: Hashable {
            var pattern: String
            var twin: String
        }
        var keys = Set<Key>(minimumCapacity: votes.count)
        for vote in votes {
            // Votes are immutable and validated when built or decoded; only the cross-vote
            // checks remain.
            guard vote.embedding.count == dimensions else {
                throw HiveError(
                    .dimensionMismatch,
                    "pattern \(vote.patternID) has a \(vote.embedding.count)-dimensional embedding; others have \(dimensions)"
                )
            }
            guard keys.insert(Key(pattern: vote.patternID, twin: vote.twinID)).inserted else {
                throw HiveError(.duplicate, "twin \(vote.twinID) voted pattern \(vote.patternID) twice")
            }
        }
        let ordered = votes.sorted { ($0.patternID, $0.twinID) < ($1.patternID, $1.twinID) }

        // Unit-normalised embeddings, so cosine is one dot product; the leaders are also kept
        // contiguously so each vote is compared with four of them per pass over its vector.
        var unit = [Float](repeating: 0, count: ordered.count * dimensions)
        // Norm of each unit vector's tail past `split`: by Cauchy–Schwarz a leader whose head dot
        // product plus (tail norm × tail norm) stays below the threshold cannot match, so most
        // non-matching leaders are dismissed after a quarter of the dimensions.
        let split = (dimensions / 4) & ~3
        var tails = [Float](repeating: 0, count: ordered.count)
        for (i, vote) in ordered.enumerated() {
            let norm = Float(vote.embedding.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
            var tail = 0.0
            for k in 0..<dimensions {
                let x = vote.embedding[k] / norm
                unit[i * dimensions + k] = x
                if k >= split { tail += Double(x) * Double(x) }
            }
            tails[i] = Float(tail.squareRoot())
        }
        let threshold = Float(configuration.similarityThreshold)
        var leaders: [Int] = []
        var leaderVectors: [Float] = []
        var leaderTails: [Float] = []
        var membership: [[Int]] = []
        for i in 0..<ordered.count {
            let joined: Int? = unit.withUnsafeBufferPointer { ub in
                leaderVectors.withUnsafeBufferPointer { lb in
                    leaderTails.withUnsafeBufferPointer { tb in
                        guard let u = ub.baseAddress else { return nil }
                        return Self.firstAtLeast(
                            threshold, vector: u + i * dimensions, tail: tails[i], leaders: lb.baseAddress,
                            leaderTails: tb.baseAddress, count: leaders.count, dimensions: dimensions, split: split)
                    }
                }
            }
            if let c = joined {
                membership[c].append(i)
            } else {
                leaders.append(i)
                leaderVectors.append(contentsOf: unit[(i * dimensions)..<((i + 1) * dimensions)])
                leaderTails.append(tails[i])
                membership.append([i])
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
            var weighted = 0.0
            var total = 0.0
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

    /// The first leader (in order) whose dot product with `vector` is ≥ `threshold`. Four
    /// leaders per pass share each load of `vector`; a group is dismissed after the first
    /// `split` dimensions when, for all four, head + tail·tailⱼ < threshold − 1e-4 (an upper bound
    /// on the full dot product, with a margin for rounding), so the answer is the exact one.
    static func firstAtLeast(
        _ threshold: Float, vector v: UnsafePointer<Float>, tail: Float, leaders: UnsafePointer<Float>?,
        leaderTails: UnsafePointer<Float>?, count: Int, dimensions d: Int, split: Int
    ) -> Int? {
        guard let leaders, let leaderTails, count > 0 else { return nil }
        let rv = UnsafeRawPointer(v)
        let vectorEnd = d & ~3
        let cutoff = threshold - 1e-4
        var c = 0
        while c + 4 <= count {
            let r0 = UnsafeRawPointer(leaders + c * d)
            let r1 = UnsafeRawPointer(leaders + (c + 1) * d)
            let r2 = UnsafeRawPointer(leaders + (c + 2) * d)
            let r3 = UnsafeRawPointer(leaders + (c + 3) * d)
            // Two accumulators per leader: one chain per leader would wait on the add latency.
            var a0 = SIMD4<Float>()
            var a1 = SIMD4<Float>()
            var a2 = SIMD4<Float>()
            var a3 = SIMD4<Float>()
            var b0 = SIMD4<Float>()
            var b1 = SIMD4<Float>()
            var b2 = SIMD4<Float>()
            var b3 = SIMD4<Float>()
            @inline(__always)
            func accumulate(_ start: Int, _ end: Int) {
                var o = start
                while o + 32 <= end {
                    let x = rv.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                    let y = rv.loadUnaligned(fromByteOffset: o + 16, as: SIMD4<Float>.self)
                    a0 += x * r0.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                    a1 += x * r1.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                    a2 += x * r2.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                    a3 += x * r3.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                    b0 += y * r0.loadUnaligned(fromByteOffset: o + 16, as: SIMD4<Float>.self)
                    b1 += y * r1.loadUnaligned(fromByteOffset: o + 16, as: SIMD4<Float>.self)
                    b2 += y * r2.loadUnaligned(fromByteOffset: o + 16, as: SIMD4<Float>.self)
                    b3 += y * r3.loadUnaligned(fromByteOffset: o + 16, as: SIMD4<Float>.self)
                    o += 32
                }
                if o < end {
                    let x = rv.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                    a0 += x * r0.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                    a1 += x * r1.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                    a2 += x * r2.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                    a3 += x * r3.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self)
                }
            }
            accumulate(0, split * 4)
            let head = SIMD4<Float>((a0 + b0).sum(), (a1 + b1).sum(), (a2 + b2).sum(), (a3 + b3).sum())
            let bound =
                head + tail * SIMD4<Float>(leaderTails[c], leaderTails[c + 1], leaderTails[c + 2], leaderTails[c + 3])
            if any(bound .>= SIMD4<Float>(repeating: cutoff)) {
                accumulate(split * 4, vectorEnd * 4)
                var s = SIMD4<Float>((a0 + b0).sum(), (a1 + b1).sum(), (a2 + b2).sum(), (a3 + b3).sum())
                if vectorEnd < d {
                    for k in vectorEnd..<d {
                        for j in 0..<4 { s[j] += v[k] * leaders[(c + j) * d + k] }
                    }
                }
                for j in 0..<4 where s[j] >= threshold { return c + j }
            }
            c += 4
        }
        while c < count {
            if VectorKernels.blockDot(v, leaders + c * d, count: d) >= threshold { return c }
            c += 1
        }
        return nil
    }

    /// ``evaluate(_:reputation:)`` with scores from a ``ReputationBook``.
    public func evaluate(_ votes: [PatternVote], reputation book: ReputationBook) throws -> [ConsensusCluster] {
        try evaluate(votes) { book.score(of: $0) }
    }
}
