/// What ``UpdateAggregator`` measures each twin's agreement against (``UpdateAggregator/scoresAgreement``).
public enum AgreementReference: String, Sendable, Hashable, Codable {
    /// The fused update itself. Cheap, but a coherent block of attackers that dominates the
    /// fused rows (inner-product manipulation at a third of the senders) owns the reference:
    /// then the honest twins are the ones that disagree.
    case fused
    /// Per row, the coordinate-wise median of the senders' (bounded) deltas: fewer than half the
    /// senders of a row cannot move it past the honest ones, whatever the fused row became.
    case coordinateMedian = "coordinate_median"
}
