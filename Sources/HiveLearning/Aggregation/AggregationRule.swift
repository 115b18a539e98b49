import HiveCore

/// Which robust rule the hub uses to fuse one item row across the twins that sent it.
///
/// Fractions (rather than counts) parameterise the rules because each item row is sent by a
/// different number of twins; ``UpdateAggregator`` turns them into counts per row.
public enum AggregationRule: Sendable, Hashable, Codable {
    /// Quality-weighted mean Σ(e·q)/Σq with reputation as q.
    case weightedMean
    /// Coordinate-wise median.
    case median
    /// Coordinate-wise trimmed mean dropping a fraction `beta` at each end (0 ≤ β < 0.5).
    case trimmedMean(beta: Double)
    /// Krum assuming up to `byzantine` (a fraction in [0, 0.5)) of a row's senders are hostile.
    case krum(byzantine: Double)
    /// Multi-Krum: the weighted mean of the n − f best-scoring senders, f = ⌊byzantine·n⌋.
    case multiKrum(byzantine: Double)
    /// Centred clipping around "no change" with radius `radius` (nil: the median distance).
    case centeredClipping(radius: Double?, iterations: Int)
    /// Scale each twin's whole update to L2 norm ≤ `maxNorm`, then the weighted mean.
    case normBounding(maxNorm: Double)
    /// Norm bounding with the bound set by the round itself: each twin's whole update is scaled
    /// to L2 norm ≤ `multiple` × the median update norm of the round, then the weighted mean.
    /// Fewer than half the twins cannot move the median, so no fixed bound has to be guessed.
    case medianNormBounding(multiple: Double)

    /// Throws `invalid-input` for out-of-range parameters.
    public func validate() throws {
        switch self {
        case .weightedMean, .median:
            return
        case .trimmedMean(let beta):
            guard beta.isFinite, beta >= 0, beta < 0.5 else {
                throw HiveError(.invalidInput, "trimmed-mean β must be in [0, 0.5), got \(beta)")
            }
        case .krum(let fraction), .multiKrum(let fraction):
            guard fraction.isFinite, fraction >= 0, fraction < 0.5 else {
                throw HiveError(.invalidInput, "the Byzantine fraction must be in [0, 0.5), got \(fraction)")
            }
        case .centeredClipping(let radius, let iterations):
            if let radius, !(radius.isFinite && radius > 0) {
                throw HiveError(.invalidInput, "the clipping radius must be finite and > 0, got \(radius)")
            }
            guard (1...1000).contains(iterations) else {
                throw HiveError(.invalidInput, "centred clipping needs 1…1000 iterations, got \(iterations)")
            }
        case .normBounding(let maxNorm):
            guard maxNorm.isFinite, maxNorm > 0 else {
                throw HiveError(.invalidInput, "the norm bound must be finite and > 0, got \(maxNorm)")
            }
        case .medianNormBounding(let multiple):
            guard multiple.isFinite, multiple > 0, multiple <= 1e6 else {
                throw HiveError(.invalidInput, "the median-norm multiple must be in (0, 1e6], got \(multiple)")
            }
        }
    }
}
