import Foundation

/// Hit rate and NDCG for one held-out item.
///
/// Ties get the expected rank under uniformly random tie-breaking (half the tied candidates
/// ahead), so a scorer that ties a lot — popularity counts, coarse genre profiles — is neither
/// flattered nor punished, and a constant scorer lands mid-list. A NaN score counts against
/// the held-out item.
public enum RankingMetrics {
    /// 0-based (possibly half-integer) rank of `positive` among `negatives`.
    public static func rank(positive: Float, negatives: some Sequence<Float>) -> Double {
        guard !positive.isNaN else { return .infinity }
        var above = 0, tied = 0
        for score in negatives {
            if score > positive || score.isNaN { above += 1 } else if score == positive { tied += 1 }
        }
        return Double(above) + Double(tied) / 2
    }

    /// 1 when `rank < k`.
    public static func hit(rank: Double, k: Int) -> Double { rank < Double(k) ? 1 : 0 }

    /// 1 / log2(rank + 2) when `rank < k` (a single relevant item, so IDCG = 1).
    public static func ndcg(rank: Double, k: Int) -> Double { rank < Double(k) ? 1 / log2(rank + 2) : 0 }
}
