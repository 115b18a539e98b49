import Foundation
import HiveCore
import HiveLearning
import Testing

@testable import HiveHub

@Suite("rounds reuse payloads decoded at ingest")
struct DecodedPayloadCacheTests {
    @Test("the cache keeps at most two generations and finds recent entries")
    func bounded() {
        let cache = DecodedPayloadCache<Int>(capacity: 10)
        for index in 0..<100 { cache.insert(index, for: "id-\(index)") }
        #expect(cache.value(for: "id-99") == 99)
        #expect(cache.value(for: "id-95") == 95)
        #expect(cache.value(for: "id-0") == nil)
        #expect((0..<100).filter { cache.value(for: "id-\($0)") != nil }.count <= 10)
    }

    /// Three updates and three patterns from three twins, as a round reads them.
    static func input() throws -> (RoundInput, [(String, [UInt8])], [(String, Pattern)]) {
        let clock = TestClock()
        var updates: [PendingContribution] = []
        var patterns: [PendingContribution] = []
        var updatePayloads: [(String, [UInt8])] = []
        var decodedPatterns: [(String, Pattern)] = []
        var reputations: [String: Double] = [:]
        for index in 0..<3 {
            let identity = NodeIdentity.generate()
            let twin = "twin-\(index)"
            reputations[twin] = 0.5
            let update = try CanonicalJSON.encode(LearningEngineTests.update(twin: twin, seed: index))
            updates.append(
                PendingContribution(envelopeID: "u\(index)", twinID: twin, kind: .modelUpdate, payload: update, receivedAt: 1))
            updatePayloads.append(("u\(index)", update))
            let pattern = try Fixture.pattern(id: "p\(index)", identity, clock)
            patterns.append(
                PendingContribution(
                    envelopeID: "p\(index)", twinID: twin, kind: .pattern, payload: try CanonicalJSON.encode(pattern), receivedAt: 1))
            decodedPatterns.append(("p\(index)", pattern))
        }
        let input = RoundInput(
            round: 1, nowMs: 1_000, patterns: patterns, modelUpdates: updates, reputations: reputations, modelVersion: 0,
            currentRows: [:], modelDimension: nil)
        return (input, updatePayloads, decodedPatterns)
    }

    @Test("a round over cached decodings writes exactly what a round decoding stored bytes writes")
    func sameOutput() throws {
        let (input, updates, patterns) = try Self.input()
        let cold = try LearningEngineTests.engine()
        let warm = try LearningEngineTests.engine()
        for (id, payload) in updates { try warm.validateModelUpdate(payload, envelopeID: id) }
        for (id, pattern) in patterns { warm.admitted(pattern, envelopeID: id) }
        let a = try cold.round(input)
        let b = try warm.round(input)
        #expect(a.modelDelta != nil)
        #expect(a.modelDelta == b.modelDelta)
        #expect(a.consumed == b.consumed)
        #expect(a.reputations == b.reputations)
        #expect(a.consolidated.map(\.id) == b.consolidated.map(\.id))
        #expect(a.consolidated.count == 1)
        #expect(b.updatesAggregated == 3)
    }

    @Test("an invalid update is refused at ingest and not remembered; the round still consumes it unused")
    func invalidNotCached() throws {
        let (input, _, _) = try Self.input()
        let engine = try LearningEngineTests.engine()
        let bad = Array(#"{"rank":99}"#.utf8)
        #expect(throws: HiveError.self) { try engine.validateModelUpdate(bad, envelopeID: "u0") }
        var tampered = input
        tampered.modelUpdates[0].payload = bad
        let output = try engine.round(tampered)
        #expect(output.consumed.contains("u0"))
        #expect(output.updatesAggregated == 2)
    }
}
