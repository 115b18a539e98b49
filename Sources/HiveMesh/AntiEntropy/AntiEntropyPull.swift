/// Anti-entropy digest: what the asker already has of the responder's state.
///
/// The digest is a pair of cursors into the *responder's* sequences: its relay log (every
/// envelope it holds, in arrival order) and its snapshot change sequence. Cursors are only
/// meaningful within one `epoch` of the responder (a process lifetime); on a mismatch the
/// responder starts from zero, and envelope-id dedupe plus idempotent snapshot merge absorb the
/// repeats. Unlike a per-origin HLC watermark, a log cursor cannot skip an envelope that arrived
/// late by a slower path.
public struct AntiEntropyPull: Sendable, Hashable, Codable {
    /// The responder epoch the cursors belong to ("" when none yet).
    public var epoch: String
    /// Relay-log entries already received (sequence numbers 1...after).
    public var after: Int
    /// Snapshot change sequence already merged.
    public var snapshotAfter: Int64

    public init(epoch: String, after: Int, snapshotAfter: Int64) {
        self.epoch = epoch
        self.after = after
        self.snapshotAfter = snapshotAfter
    }
}
