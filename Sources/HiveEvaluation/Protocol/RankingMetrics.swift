import Foundation

/// Hit rate and NDCG for one held-out item.
///
/// Ranks are pessimistic under ties: a candidate scored equal to the held-out item is counted
/// as ranked above it, so a constant scorer cannot look good.
public enum RankingMetrics {
    /// 0-based rank of `positive` among `negatives` (count of negatives scored ≥ it).
    public static func rank(positive: Float, negatives: some Sequence<Float>) -> Int {
        var rank = 0
        for score in negatives where !(score < positive) { rank += 1 }  // NaN counts against us too
        return rank
    }

    /// 1 when `rank < k`.
    public static func hit(rank: Int, k: Int) -> Double { rank < k ? 1 : 0 }

    /// 1 / log2(rank + 2) when `rank < k` (a single relevant item, so IDCG = 1).
    public static func ndcg(rank: Int, k: Int) -> Double { rank < k ? 1 / log2(Double(rank) + 2) : 0 }
}
