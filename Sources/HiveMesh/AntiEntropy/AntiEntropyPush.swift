import HiveCore

/// Anti-entropy answer: only what the asker is missing.
public struct AntiEntropyPush: Sendable, Hashable, Codable {
    /// The responder's epoch the new cursors belong to.
    public var epoch: String
    /// Envelopes the asker has not seen from this responder, in log order, each with its original signature.
    public var envelopes: [SignedEnvelope]
    /// Next value of `after`.
    public var next: Int
    /// The responder's snapshot changes since `snapshotAfter`, as a `snapshot-diff.v1` envelope
    /// signed by the responder (never containing `local_only.*` keys).
    public var snapshot: SignedEnvelope?
    /// Next value of `snapshotAfter`.
    public var snapshotCursor: Int64
    /// Whether more is waiting (the asker pulls again at once).
    public var more: Bool

    public init(epoch: String, envelopes: [SignedEnvelope], next: Int, snapshot: SignedEnvelope?, snapshotCursor: Int64, more: Bool) {
        self.epoch = epoch
        self.envelopes = envelopes
        self.next = next
        self.snapshot = snapshot
        self.snapshotCursor = snapshotCursor
        self.more = more
    }
}
