/// How ``UpdateAggregator`` turns a row's senders into the row's fused delta.
public enum RowCombination: String, Sendable, Hashable, Codable {
    /// The rule's (robust) mean over the twins that sent the row. A popular item's step is the
    /// typical sender's step, however many twins moved it.
    case mean
    /// The rule's mean times the row's effective sender count — Σ sender weights ÷ the round's
    /// median weight for the weighted rules, the sender count for the others: the sum of the
    /// senders' deltas, which is what applying each twin's update in turn (centralised SGD over
    /// the same data) would add to the row. A twin that never saw an item adds nothing to it.
    case sum
}
