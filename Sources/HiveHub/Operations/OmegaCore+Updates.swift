import HiveCore
import HiveLedger

extension OmegaCore {
    /// `POST /updates/one`: one signed model update (row deltas, or ALS statistics when the
    /// engine runs ALS rounds), checked exactly as a batch push checks it — registered signer,
    /// signature, canonical payload, clock drift, and the engine's validation of the payload —
    /// but answered as a problem when refused, with the specific reason (e.g. `invalid-input:
    /// statistics from … item 5 is not (c − 1)·x·xᵀ`), and nothing stored. Returns the accepted
    /// result and its ledger inclusion receipt; a replay is a `duplicate` problem.
    public func pushUpdate(_ envelope: SignedEnvelope, twin: TwinRecord) async throws
        -> (result: OmegaSyncResponse.EnvelopeResult, receipt: InclusionReceipt?)
    {
        guard engine != nil else {
            throw Problem(.engineUnavailable, "model updates need the aggregation engine (HiveLearning), which is not in this build")
        }
        guard envelope.kind == .modelUpdate else {
            throw Problem(.invalidInput, "kind must be \(EnvelopeKind.modelUpdate), got \(envelope.kind)")
        }
        let item: IngestItem
        switch check(envelope, twin: twin, kinds: [.modelUpdate]) {
        case .failure(let error):
            if error.code == .forbidden { throw Problem(.forbidden, error.message) }
            // Version and shape mismatches are the sender's input, not a hub inconsistency.
            if error.code == .inconsistent { throw Problem(.invalidInput, error.message) }
            throw Problem.from(error)
        case .success(let checked):
            item = checked
        }
        let pushed: (results: [OmegaSyncResponse.EnvelopeResult], receipts: [String: InclusionReceipt])
        do {
            pushed = try await pushWithReceipts([envelope], twin: twin, kinds: [.modelUpdate], checked: [.success(item)])
        } catch let error as HiveError where error.code == .forbidden {
            throw Problem(.twinBlocked, error.message)
        }
        guard let first = pushed.results.first else { throw Problem(.internalError, "no result for the update") }
        switch first.status {
        case .accepted: return (first, pushed.receipts[first.id])
        case .duplicate: throw Problem(.duplicate, "envelope \(first.id) was already received")
        case .rejected: throw Problem(.invalidInput, first.reason ?? "the update was rejected")
        }
    }
}
