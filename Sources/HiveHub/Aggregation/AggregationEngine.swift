import HiveCore

/// The learning side of an aggregation round, kept behind a narrow protocol so the hub does not
/// depend on how it is computed: robust aggregation of model updates, pattern consensus and
/// reputation (HiveLearning provides the real one).
///
/// An engine is pure computation: the store calls ``round(_:)`` inside the round's database
/// transaction and writes its output in that same transaction.
public protocol AggregationEngine: Sendable {
    /// Name for `/stats` and logs (e.g. "trimmed-mean").
    var name: String { get }
    /// Validates a model-update payload at push time (shape, finiteness, clipping bound) so a bad
    /// update is rejected with its reason instead of poisoning a later round.
    func validateModelUpdate(_ payload: [UInt8]) throws
    /// Computes one round.
    func round(_ input: RoundInput) throws -> RoundOutput
    /// ``validateModelUpdate(_:)`` for the payload of envelope `envelopeID`; an engine may keep
    /// the decoded update for the round.
    func validateModelUpdate(_ payload: [UInt8], envelopeID: String) throws
    /// A pattern decoded at ingest from envelope `envelopeID`; an engine may keep it for the round.
    func admitted(_ pattern: Pattern, envelopeID: String)
}

extension AggregationEngine {
    public func validateModelUpdate(_ payload: [UInt8], envelopeID: String) throws {
        try validateModelUpdate(payload)
    }

    public func admitted(_ pattern: Pattern, envelopeID: String) {}
}
