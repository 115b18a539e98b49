import HiveCore

/// Hyper-parameters of weighted ALS for implicit feedback (Hu, Koren & Volinsky 2008):
/// confidence `c = 1 + α·weight` on each interaction (preference 1), confidence 1 and
/// preference 0 on every other item, L2 regularisation λ on user and item factors.
public struct WALSConfiguration: Sendable, Hashable, Codable {
    /// λ, added to the diagonal of every solve.
    public var regularization: Double
    /// α, the confidence slope.
    public var alpha: Double

    /// Throws `invalid-input` for λ outside (0, 1e6] or α outside [0, 1e6].
    public init(regularization: Double = 0.05, alpha: Double = 10) throws {
        self.regularization = regularization
        self.alpha = alpha
        try validate()
    }

    public func validate() throws {
        guard regularization.isFinite, regularization > 0, regularization <= 1e6 else {
            throw HiveError(.invalidInput, "ALS regularization must be in (0, 1e6], got \(regularization)")
        }
        try Validation.check(alpha, in: 0...1e6, field: "alpha")
    }
}
