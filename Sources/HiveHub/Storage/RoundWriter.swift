import HiveCore

/// Checks shared by both backends before a round's output is written: an engine bug must not
/// corrupt the store, so anything inconsistent aborts the round's transaction.
enum RoundWriter {
    static func check(_ output: RoundOutput, input: RoundInput) throws {
        let pendingIDs = Set(input.patterns.map(\.envelopeID) + input.modelUpdates.map(\.envelopeID))
        for id in output.consumed where !pendingIDs.contains(id) {
            throw HiveError(.inconsistent, "round consumed \(id), which is not pending")
        }
        for pattern in output.consolidated { try pattern.validate() }
        if let aggregated = output.updatesAggregated, !(0...updatesUsed(output, input: input)).contains(aggregated) {
            throw HiveError(.inconsistent, "round aggregated \(aggregated) updates but consumed \(updatesUsed(output, input: input))")
        }
        if let delta = output.modelDelta {
            try delta.validate()
            guard delta.version == input.modelVersion + 1 else {
                throw HiveError(
                    .inconsistent, "round published model version \(delta.version); expected \(input.modelVersion + 1)")
            }
            if let dimension = input.modelDimension, dimension != delta.dimension {
                throw HiveError(.dimensionMismatch, "model dimension changed from \(dimension) to \(delta.dimension)")
            }
        }
        for (twin, reputation) in output.reputations {
            guard input.reputations[twin] != nil else { throw HiveError(.inconsistent, "round rated unknown twin \(twin)") }
            try Validation.check(reputation, in: 0...1, field: "reputation of \(twin)")
        }
    }

    static func updatesUsed(_ output: RoundOutput, input: RoundInput) -> Int {
        let updates = Set(input.modelUpdates.map(\.envelopeID))
        return output.consumed.filter { updates.contains($0) }.count
    }

    /// Consumed updates that did not count (0 when the engine does not say).
    static func updatesRejected(_ output: RoundOutput, input: RoundInput) -> Int {
        guard let aggregated = output.updatesAggregated else { return 0 }
        return max(0, updatesUsed(output, input: input) - aggregated)
    }

    /// Sort key: high first.
    static func rank(_ priority: ConsolidatedPattern.Priority) -> Int {
        switch priority {
        case .high: 0
        case .medium: 1
        case .low: 2
        }
    }

    static func elapsedMs(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
