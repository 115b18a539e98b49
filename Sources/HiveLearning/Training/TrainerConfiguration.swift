import HiveCore

/// Hyper-parameters of the local trainer and of the privacy treatment of its output.
public struct TrainerConfiguration: Sendable, Hashable, Codable {
    /// Which local objective to optimise.
    public enum Algorithm: String, Sendable, Hashable, Codable {
        /// Bayesian personalised ranking with sampled negatives (Rendle et al. 2009), by SGD.
        case bpr
        /// Weighted ALS for implicit feedback (Hu, Koren & Volinsky 2008) restricted to the
        /// twin's positives and sampled negatives: closed-form user solve, SGD on item rows.
        case weightedALS = "weighted_als"
    }

    /// The local objective (BPR by default).
    public var algorithm: Algorithm
    /// SGD step size.
    public var learningRate: Float
    /// L2 regularisation on user and item parameters.
    public var regularization: Float
    /// Passes over the twin's interactions.
    public var epochs: Int
    /// Negatives sampled per positive per epoch.
    public var negativesPerPositive: Int
    /// Confidence slope α for weighted ALS: confidence = 1 + α·weight.
    public var confidenceScale: Float
    /// L2 bound on the whole item update (all touched rows, factors and biases together).
    public var clipNorm: Double
    /// Gaussian noise multiplier σ: each coordinate of each touched row gets N(0, (σ·clipNorm)²).
    /// 0 disables noise. See the privacy note on ``LocalTrainer``.
    public var noiseMultiplier: Double

    enum CodingKeys: String, CodingKey {
        case algorithm
        case learningRate = "learning_rate"
        case regularization, epochs
        case negativesPerPositive = "negatives_per_positive"
        case confidenceScale = "confidence_scale"
        case clipNorm = "clip_norm"
        case noiseMultiplier = "noise_multiplier"
    }

    public init(
        algorithm: Algorithm = .bpr, learningRate: Float = 0.05, regularization: Float = 0.01, epochs: Int = 10,
        negativesPerPositive: Int = 1, confidenceScale: Float = 10, clipNorm: Double = 1, noiseMultiplier: Double = 0
    ) throws {
        self.algorithm = algorithm
        self.learningRate = learningRate
        self.regularization = regularization
        self.epochs = epochs
        self.negativesPerPositive = negativesPerPositive
        self.confidenceScale = confidenceScale
        self.clipNorm = clipNorm
        self.noiseMultiplier = noiseMultiplier
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        algorithm = try c.decode(Algorithm.self, forKey: .algorithm)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        regularization = try c.decode(Float.self, forKey: .regularization)
        epochs = try c.decode(Int.self, forKey: .epochs)
        negativesPerPositive = try c.decode(Int.self, forKey: .negativesPerPositive)
        confidenceScale = try c.decode(Float.self, forKey: .confidenceScale)
        clipNorm = try c.decode(Double.self, forKey: .clipNorm)
        noiseMultiplier = try c.decode(Double.self, forKey: .noiseMultiplier)
        try validate()
    }

    /// Throws `invalid-input` for a parameter out of range.
    public func validate() throws {
        try Validation.check(Double(learningRate), in: 1e-9...10, field: "learning_rate")
        try Validation.check(Double(regularization), in: 0...100, field: "regularization")
        guard (1...10_000).contains(epochs) else {
            throw HiveError(.invalidInput, "epochs must be in 1…10000, got \(epochs)")
        }
        guard (1...100).contains(negativesPerPositive) else {
            throw HiveError(.invalidInput, "negatives_per_positive must be in 1…100, got \(negativesPerPositive)")
        }
        try Validation.check(Double(confidenceScale), in: 0...1e6, field: "confidence_scale")
        try Validation.check(clipNorm, in: 1e-12...1e6, field: "clip_norm")
        try Validation.check(noiseMultiplier, in: 0...1e6, field: "noise_multiplier")
    }
}
