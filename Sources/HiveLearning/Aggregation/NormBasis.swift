/// What the norm-bounding rules (``AggregationRule/normBounding(maxNorm:)``,
/// ``AggregationRule/medianNormBounding(multiple:)``) measure a twin's update by.
public enum NormBasis: String, Sendable, Hashable, Codable {
    /// The L2 norm of the whole update. A twin that honestly touched ten times the typical number
    /// of items is trimmed as if it pushed ten times too hard.
    case whole
    /// The root-mean-square row norm (whole norm ÷ √rows): how hard the twin pushes each row it
    /// sent, whatever its number of rows. The bound is then `multiple × median RMS × √rows`, so a
    /// heavy but typical twin keeps all of it, while an update scaled ×10 is trimmed ×10 as before.
    /// (What a twin may claim — which rows, with which confidences — is checked elsewhere: the
    /// per-row bound and, for ALS statistics, ``WALSStatistics/decompose(_:itemCount:tolerance:)``.)
    case perRow = "per_row"
}
