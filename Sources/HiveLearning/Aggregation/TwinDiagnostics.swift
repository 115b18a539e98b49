import Foundation

/// How one twin's update fared in an aggregation round, summed over the rows it sent.
public struct TwinDiagnostics: Sendable, Hashable, Codable {
    /// The twin the entry describes.
    public var twinID: String
    /// Rows the twin sent.
    public var rows: Int
    /// Mean L2 distance of its rows to the aggregated rows.
    public var meanDistance: Double
    /// Mean over its rows of (its distance ÷ the median sender's distance for that row):
    /// about 1 for a typical honest twin, far above 1 for an outlier; scale-free across rows.
    public var relativeDistance: Double
    /// Mean share of its rows the rule kept (see ``ClientDiagnostic/retained``).
    public var retained: Double
    /// Whether the rule left out most of what it sent.
    public var excluded: Bool
    /// Cosine of the twin's update with the fused update over its rows, relative to the median
    /// twin's (about 1 typical, ≤ 0 opposing or orthogonal); nil when the aggregator was not
    /// asked for it (``UpdateAggregator/scoresAgreement``).
    public var agreement: Double?
    /// Contribution quality in [0, 1] for reputation: `retained · exp(−max(0, relativeDistance − 1))`,
    /// times `agreement` clamped to [0, 1] when it was measured.
    /// A twin at or closer than the median distance with everything kept scores 1; one twice as
    /// far as the median scores 0.37; one ten times as far about 0.0001.
    public var quality: Double

    enum CodingKeys: String, CodingKey {
        case twinID = "twin_id"
        case rows
        case meanDistance = "mean_distance"
        case relativeDistance = "relative_distance"
        case retained, excluded, quality, agreement
    }

    public init(
        twinID: String, rows: Int, meanDistance: Double, relativeDistance: Double, retained: Double, excluded: Bool,
        agreement: Double? = nil
    ) {
        self.twinID = twinID
        self.rows = rows
        self.meanDistance = meanDistance
        self.relativeDistance = relativeDistance
        self.retained = retained
        self.excluded = excluded
        self.agreement = agreement
        let base = Self.quality(relativeDistance: relativeDistance, retained: retained)
        if let agreement {
            self.quality = agreement.isFinite ? base * min(1, max(0, agreement)) : 0
        } else {
            self.quality = base
        }
    }

    /// The quality formula (see ``quality``).
    public static func quality(relativeDistance: Double, retained: Double) -> Double {
        guard relativeDistance.isFinite, retained.isFinite else { return 0 }
        let closeness = exp(-max(0, relativeDistance - 1))
        return min(1, max(0, retained * closeness))
    }
}
