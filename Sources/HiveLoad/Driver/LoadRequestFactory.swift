import Foundation
import HiveCore

/// Builds the payloads of a run: freshly signed pattern envelopes and skill traces whose ids are
/// unique per run, twin and sequence number, and intents drawn from a small vocabulary so
/// searches find matches.
public struct LoadRequestFactory: Sendable {
    /// Random per run, so reruns against the same hub push new envelopes.
    public let runID: String

    public init(runID: String = String(UInt64.random(in: 0...UInt64.max), radix: 36)) {
        self.runID = runID
    }

    static let verbs = ["recommend", "summarise", "rank", "find", "plan", "compare"]
    static let objects = [
        "sci-fi films", "jazz albums", "hiking trails", "pasta recipes", "history podcasts", "indie games", "mystery novels",
        "yoga routines",
    ]
    static let qualifiers = ["for a rainy evening", "for beginners", "under an hour", "with friends", "on a budget"]

    /// Intent number `n` of the vocabulary (240 distinct phrases).
    public static func intent(_ n: UInt64) -> String {
        let verb = verbs[Int(n % UInt64(verbs.count))]
        let object = objects[Int((n / UInt64(verbs.count)) % UInt64(objects.count))]
        let qualifier = qualifiers[Int((n / UInt64(verbs.count * objects.count)) % UInt64(qualifiers.count))]
        return "\(verb) \(object) \(qualifier)"
    }

    /// A stamp for `twin` now (the hub requires the stamp's node id to be the signer's).
    func stamp(_ twin: LoadTwin, _ sequence: UInt64) -> HLCTimestamp {
        HLCTimestamp(
            physicalMs: HybridLogicalClock.systemMilliseconds(), logical: UInt16(truncatingIfNeeded: sequence),
            nodeID: twin.identity.nodeID)
    }

    /// A signed pattern envelope.
    public func patternEnvelope(_ twin: LoadTwin, sequence: UInt64) throws -> SignedEnvelope {
        let stamp = stamp(twin, sequence)
        let pattern = try Pattern(
            id: "lt-\(runID)-\(twin.index)-\(sequence)", taskType: .preference, approach: "load-test pattern \(sequence % 97)",
            tags: ["loadtest"], alpha: 2 + Double(sequence % 5), beta: 1, stamp: stamp)
        return try SignedEnvelope.sign(pattern, kind: .pattern, stamp: stamp, identity: twin.identity)
    }

    /// A `federation_trace_v1` by `twin` (instance id = its twin id).
    /// `intent`: the trace's intent (default: one of the 240 phrases).
    public func skillTrace(_ twin: LoadTwin, sequence: UInt64, intent: String? = nil, signature: String = "") throws -> SkillTrace {
        let n = UInt64(twin.index) &* 7919 &+ sequence
        return try SkillTrace(
            traceID: "lt-\(runID)-\(twin.index)-\(sequence)", intent: intent ?? Self.intent(n),
            reasoningPath: [
                .init(step: 1, action: "collect the user's recent choices"), .init(step: 2, action: "filter by the stated constraint"),
                .init(step: 3, action: "rank the candidates by fit"),
            ],
            result: "a ranked list of five suggestions", confidence: 0.95, verificationScore: 0.97,
            createdAt: ISO8601.format(Date()), instanceID: twin.twinID, signature: signature)
    }

    /// A signed skill-trace envelope for the hub's `POST /skills`.
    public func skillEnvelope(_ twin: LoadTwin, sequence: UInt64, intent: String? = nil) throws -> SignedEnvelope {
        try signedSkill(try skillTrace(twin, sequence: sequence, intent: intent), twin: twin, sequence: sequence)
    }

    /// `trace` as a signed skill-trace envelope by `twin`.
    public func signedSkill(_ trace: SkillTrace, twin: LoadTwin, sequence: UInt64) throws -> SignedEnvelope {
        try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: stamp(twin, sequence), identity: twin.identity)
    }

    /// The FastAPI server's `POST /skills` body, `{"federation_trace_v1": {…}}`, the trace's
    /// `signature` field holding an Ed25519 signature (hex) by the twin over the canonical trace,
    /// as the design's SkillExchange does before sending.
    public func fastAPISkillBody(_ twin: LoadTwin, sequence: UInt64, intent: String? = nil) throws -> [UInt8] {
        try fastAPIBody(try skillTrace(twin, sequence: sequence, intent: intent), twin: twin)
    }

    /// `unsigned` signed by `twin` as the design's SkillExchange does, wrapped for `POST /skills`.
    public func fastAPIBody(_ unsigned: SkillTrace, twin: LoadTwin) throws -> [UInt8] {
        let signature = try twin.identity.sign(try CanonicalJSON.encode(unsigned))
        var trace = unsigned
        trace.signature = "ed25519:" + Hex.encode(signature)
        return Array(try HiveJSON.encode(["federation_trace_v1": trace]))
    }
}
