import HiveCore

/// The envelopes a node holds for the mesh, in arrival order: its own outbox, what it relays for
/// peers, and community votes. Each envelope appears once (by id) and keeps its original
/// signature, so whoever finally hands it to the hub hands over the signer's own bytes and the
/// hub's id dedupe makes extra copies harmless.
///
/// Sequence numbers start at 1 and are never reused within an ``epoch``. When more than
/// ``capacity`` envelopes are held the oldest are evicted (a peer whose cursor fell behind the
/// eviction point resumes at the oldest kept entry).
public struct RelayLog: Sendable {
    /// Identifies this log's numbering (random per process), so peers know when to restart their cursor.
    public let epoch: String
    /// Most envelopes kept.
    public let capacity: Int

    private var entries: [SignedEnvelope] = []
    private var base = 0  // sequence of entries[0] minus 1
    private var ids: Set<String> = []

    public init(epoch: String, capacity: Int = 100_000) {
        self.epoch = epoch
        self.capacity = max(1, capacity)
    }

    /// Sequence number of the newest entry (0 when empty).
    public var lastSequence: Int { base + entries.count }

    /// How many envelopes are held.
    public var count: Int { entries.count }

    /// Whether an envelope with this id is held.
    public func contains(_ id: String) -> Bool { ids.contains(id) }

    /// Appends `envelope` unless its id is already held; returns whether it was added.
    @discardableResult
    public mutating func append(_ envelope: SignedEnvelope) -> Bool {
        guard ids.insert(envelope.id).inserted else { return false }
        entries.append(envelope)
        if entries.count > capacity {
            let evicted = entries.removeFirst()
            ids.remove(evicted.id)
            base += 1
        }
        return true
    }

    /// Entries after sequence `after`, at most `maxBytes` of payload (always at least one when any
    /// remain), with the cursor to ask for next and whether more remain.
    public func since(_ after: Int, maxBytes: Int) -> (envelopes: [SignedEnvelope], next: Int, more: Bool) {
        let start = max(after, base) - base
        guard start < entries.count else { return ([], max(after, lastSequence), false) }
        var batch: [SignedEnvelope] = []
        var bytes = 0
        var index = start
        while index < entries.count {
            let size = entries[index].payload.count + 256
            if !batch.isEmpty && bytes + size > maxBytes { break }
            batch.append(entries[index])
            bytes += size
            index += 1
        }
        return (batch, base + index, index < entries.count)
    }

    /// All held envelopes, oldest first.
    public var all: [SignedEnvelope] { entries }
}
