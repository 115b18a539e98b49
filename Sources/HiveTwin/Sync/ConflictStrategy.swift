/// How a twin resolves a pulled item that collides with one it already holds (same id).
///
/// - `viewerWins`: keep the twin's copy; pulled data only fills gaps.
/// - `omegaWins`: the hub's copy replaces the twin's.
/// - `qualityWins`: keep whichever copy has the higher quality (pattern quality, skill
///   confidence × verification score; for model rows, the newer model version).
/// - `merge`: combine both: patterns take the hub's text with the larger α and β evidence
///   (an idempotent, commutative union of the two Beta posteriors' counts) and the larger
///   quality; model rows average the two vectors; skills behave as `qualityWins` (a signed
///   trace cannot be edited).
public enum ConflictStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    case viewerWins = "viewer-wins"
    case omegaWins = "omega-wins"
    case qualityWins = "quality-wins"
    case merge
}

/// The strategy per kind of pulled data. Defaults: consolidated patterns `merge` (keep the
/// twin's own evidence while adopting the community's pattern), model rows `omegaWins` (item
/// vectors are global; the twin's personal vector never leaves it and is never overwritten),
/// skills `qualityWins`.
public struct ConflictPolicy: Sendable, Hashable, Codable {
    public var patterns: ConflictStrategy
    public var modelRows: ConflictStrategy
    public var skills: ConflictStrategy

    public init(patterns: ConflictStrategy = .merge, modelRows: ConflictStrategy = .omegaWins, skills: ConflictStrategy = .qualityWins) {
        self.patterns = patterns
        self.modelRows = modelRows
        self.skills = skills
    }

    /// The documented defaults.
    public static let standard = ConflictPolicy()
}
