/// What a ``SignedEnvelope`` carries. Receivers refuse kinds they do not know.
public struct EnvelopeKind: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// A learned pattern (ReasoningBank) offered for consensus.
    public static let pattern = EnvelopeKind("pattern.v1")
    /// A sparse model update (item-row deltas).
    public static let modelUpdate = EnvelopeKind("model-update.v1")
    /// A skill trace in the federation_trace_v1 shape.
    public static let skillTrace = EnvelopeKind("skill-trace.v1")
    /// A TwinSnapshot diff.
    public static let snapshotDiff = EnvelopeKind("snapshot-diff.v1")
    /// A community vote (mesh consensus).
    public static let vote = EnvelopeKind("vote.v1")
    /// A learning episode summary.
    public static let episode = EnvelopeKind("episode.v1")

    /// Every kind this build understands.
    public static let known: Set<EnvelopeKind> = [.pattern, .modelUpdate, .skillTrace, .snapshotDiff, .vote, .episode]
}
