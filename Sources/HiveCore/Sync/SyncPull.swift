/// What the hub published after a cursor: consolidated patterns, model deltas and skill traces.
///
/// The hub signs the canonical JSON of this value (``HubSignature``); a twin verifies it with
/// the hub public key it pinned (`GET /api/v1/hub`).
public struct SyncPull: Hashable, Sendable, Codable {
    /// The cursor the request asked from.
    public var since: Int64
    /// The cursor to send next time.
    public var cursor: Int64
    /// Whether more items were published after `cursor` (pull again).
    public var hasMore: Bool
    public var patterns: [ConsolidatedPattern]
    public var modelDeltas: [ModelRowsDelta]
    /// Skill traces as their authors signed them, so any twin can check the author.
    public var skills: [SignedEnvelope]

    public init(
        since: Int64, cursor: Int64, hasMore: Bool, patterns: [ConsolidatedPattern], modelDeltas: [ModelRowsDelta],
        skills: [SignedEnvelope]
    ) {
        self.since = since
        self.cursor = cursor
        self.hasMore = hasMore
        self.patterns = patterns
        self.modelDeltas = modelDeltas
        self.skills = skills
    }

    /// Domain tag of the hub's signature over a pull.
    public static let signatureDomain = "hive.sync-pull.v1"
}
