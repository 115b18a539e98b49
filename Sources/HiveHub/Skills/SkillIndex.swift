import HiveCore

/// A published trace as a ``SkillIndex`` sees it: its feed position, id and intent.
public struct SkillIntent: Sendable, Hashable {
    /// Position of its `skill.published` event in the feed (commit order, so an index can ask the
    /// store for everything after the last one it holds).
    public var seq: Int64
    public var traceID: String
    public var intent: String

    public init(seq: Int64, traceID: String, intent: String) {
        self.seq = seq
        self.traceID = traceID
        self.intent = intent
    }
}

/// One search hit: a trace id and its similarity to the query, in [0, 1].
public struct ScoredTrace: Sendable, Hashable {
    public var traceID: String
    public var seq: Int64
    public var score: Double
}

/// The in-memory side of skill search: what a ranker needs of every published intent, computed
/// once per trace when it is added rather than per query.
///
/// Safe to call from many tasks at once. `add` is idempotent by feed position: traces at or
/// below ``lastSeq`` are skipped, so concurrent refreshers may add the same batch.
public protocol SkillIndex: Sendable {
    /// Traces held.
    var count: Int { get }
    /// Feed position of the newest trace added (0 when empty).
    var lastSeq: Int64 { get }
    /// Adds traces (in feed order). Throws only when the ranker's model fails; then nothing is added.
    func add(_ skills: [SkillIntent]) throws
    /// The best `limit` traces scoring at least `threshold`, best first (ties: older first).
    func search(intent: String, threshold: Double, limit: Int) throws -> [ScoredTrace]
}
