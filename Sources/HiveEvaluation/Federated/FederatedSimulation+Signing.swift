import Foundation
import HiveCore
import HiveLearning
import Synchronization

extension FederatedSimulation {
    /// The first `limit` updates each signed by its twin's identity as a `SignedEnvelope`, then
    /// verified, checked for the right signer, decoded and validated against `model` — the path
    /// an update takes through the hub. Canonical JSON of ~900 full updates is the costly part and
    /// each update is independent, so they are spread over the cores; the result is in input
    /// order and identical to doing them one by one. Returns the updates and how many verified.
    static func signed(
        _ updates: [ModelUpdate], limit: Int, identities: [Int32: NodeIdentity], round: Int, model: ItemFactorModel
    ) throws -> (updates: [ModelUpdate], verified: Int) {
        let count = min(max(limit, 0), updates.count)
        guard count > 0 else { return (updates, 0) }
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8, count))
        let decoded = Mutex<[ModelUpdate?]>(Array(repeating: nil, count: count))
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var local: [(Int, ModelUpdate)] = []
            for index in stride(from: worker, to: count, by: workers) {
                do {
                    local.append((index, try Self.throughEnvelope(updates[index], identities: identities, round: round, model: model)))
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
            decoded.withLock { all in for (index, update) in local { all[index] = update } }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        var result = updates
        for (index, update) in decoded.withLock({ $0 }).enumerated() {
            guard let update else { throw HiveError(.inconsistent, "update \(index) was not verified") }
            result[index] = update
        }
        return (result, count)
    }

    /// One update signed, verified and decoded back.
    private static func throughEnvelope(
        _ update: ModelUpdate, identities: [Int32: NodeIdentity], round: Int, model: ItemFactorModel
    ) throws -> ModelUpdate {
        // Twin ids are "u<dense index>", made by ``run(_:onRound:)``.
        guard update.twinID.hasPrefix("u"), let user = Int32(update.twinID.dropFirst()), let identity = identities[user] else {
            throw HiveError(.inconsistent, "no identity for twin \(update.twinID)")
        }
        let stamp = HLCTimestamp(physicalMs: UInt64(round) + 1, logical: 0, nodeID: identity.nodeID)
        let envelope = try SignedEnvelope.sign(update, kind: .modelUpdate, stamp: stamp, identity: identity)
        try envelope.verify()
        guard envelope.signer == identity.publicKey else {
            throw HiveError(.badSignature, "update for \(update.twinID) signed by another key")
        }
        let decoded = try envelope.decodePayload(as: ModelUpdate.self)
        try decoded.validate(against: model)
        return decoded
    }
}
