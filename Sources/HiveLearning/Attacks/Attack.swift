import HiveCore

/// Model-poisoning attacks, for tests and benchmarks of the robust rules. Attackers are
/// omniscient where the attack needs it (ALIE and IPM see the honest updates).
public enum Attack: Sendable, Hashable, Codable {
    /// Send −`scale` × the attacker's honest update.
    case signFlip(scale: Float)
    /// Send pure N(0, σ²) noise in place of the update.
    case gaussianNoise(sigma: Float)
    /// Boosting: send `factor` × the attacker's honest update.
    case scaling(factor: Float)
    /// "A little is enough" (Baruch et al. 2019): per coordinate, μ − z·σ of the honest updates,
    /// small enough to hide inside the honest spread. `z` nil uses the paper's z_max for the
    /// number of clients and attackers.
    case alie(z: Double?)
    /// Inner-product manipulation (Xie et al. 2019): −ε × the honest mean, so the aggregate's
    /// inner product with the true direction turns negative for large enough ε.
    case ipm(epsilon: Float)

    /// Throws `invalid-input` for non-finite or out-of-range parameters.
    public func validate() throws {
        switch self {
        case .signFlip(let v), .scaling(let v), .ipm(let v):
            guard v.isFinite, v > 0, v <= 1e6 else {
                throw HiveError(.invalidInput, "attack parameter must be in (0, 1e6], got \(v)")
            }
        case .gaussianNoise(let sigma):
            guard sigma.isFinite, sigma >= 0, sigma <= 1e6 else {
                throw HiveError(.invalidInput, "noise σ must be in [0, 1e6], got \(sigma)")
            }
        case .alie(let z):
            if let z, !(z.isFinite && abs(z) <= 100) {
                throw HiveError(.invalidInput, "ALIE z must be finite with |z| ≤ 100, got \(z)")
            }
        }
    }
}
