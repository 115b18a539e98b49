import Foundation
import Testing
@testable import HiveCore

@Suite("Shared value types validate on decode")
struct ValueTypeTests {
    /// The design's example, with `field` replaced by the raw JSON text `rawValue`.
    static func traceJSON(replacing field: String, with rawValue: String) throws -> Data {
        let placeholder = "__REPLACED__"
        let text = String(decoding: try traceJSON([field: placeholder]), as: UTF8.self)
        return Data(text.replacingOccurrences(of: "\"\(placeholder)\"", with: rawValue).utf8)
    }

    static func traceJSON(_ overrides: [String: String] = [:]) throws -> Data {
        var object: [String: Any] = [
            "trace_id": "trace_abc123",
            "intent": "Refactor auth to use env vars",
            "reasoning_path": [["step": 1, "action": "analyze_auth_dependencies"], ["step": 2, "action": "generate_env_var_code"]],
            "result": "import os",
            "confidence": 0.98,
            "verification_score": 1.0,
            "lineage": ["trace_xyx789"],
            "created_at": "2025-12-13T03:45:00Z",
            "instance_id": "instance_a",
            "signature": "sha256:abc123",
        ]
        for (key, value) in overrides { object[key] = value }
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test("the design's federation_trace_v1 example decodes and round-trips")
    func decodesExample() throws {
        let trace = try HiveJSON.decode(SkillTrace.self, from: try Self.traceJSON())
        #expect(trace.reasoningPath.count == 2)
        #expect(trace.lineage == ["trace_xyx789"])
        let again = try HiveJSON.decode(SkillTrace.self, from: try HiveJSON.encode(trace))
        #expect(again == trace)
        #expect(String(decoding: try CanonicalJSON.encode(trace), as: UTF8.self).hasPrefix(#"{"confidence":0.98,"created_at""#))
    }

    @Test("bad fields fail with a message naming the field", arguments: [
        ("confidence", "1.5"),
        ("confidence", "\"NaN\""),
        ("reasoning_path", "[]"),
        ("result", "TEN_MEGABYTES"),
        ("verification_score", "-0.1"),
        ("created_at", "\"yesterday\""),
        ("trace_id", "\"\""),
        ("reasoning_path", "[{\"step\":0,\"action\":\"x\"}]"),
    ])
    func badField(_ field: String, _ rawValue: String) throws {
        let raw = rawValue == "TEN_MEGABYTES" ? "\"" + String(repeating: "x", count: 10 * 1024 * 1024) + "\"" : rawValue
        let data = try Self.traceJSON(replacing: field, with: raw)
        let error = try #require(throws: HiveError.self) { try HiveJSON.decode(SkillTrace.self, from: data) }
        #expect(error.message.contains(field), "message was: \(error.message)")
    }

    @Test("NaN built in code is refused, naming the field")
    func nanInCode() {
        let error = #expect(throws: HiveError.self) {
            try SkillTrace(
                traceID: "t", intent: "i", reasoningPath: [.init(step: 1, action: "a")], result: "r",
                confidence: .nan, verificationScore: 1, createdAt: "2025-12-13T03:45:00Z", instanceID: "x")
        }
        #expect(error?.message.contains("confidence") == true)
    }

    @Test("episodes refuse out-of-range and NaN rewards")
    func episodeReward() {
        let stamp = HLCTimestamp(physicalMs: 1, logical: 0, nodeID: "n")
        for reward in [1.5, -0.1, Double.nan] {
            #expect(throws: HiveError.self) {
                try Episode(id: "e", sessionID: "s", task: "t", input: "", output: "", reward: reward, success: true,
                            critique: "", latencyMs: 1, tags: [], stamp: stamp)
            }
        }
    }

    @Test("patterns carry Beta evidence and round-trip")
    func patternRoundTrip() throws {
        let stamp = HLCTimestamp(physicalMs: 1, logical: 0, nodeID: "n")
        let pattern = try Pattern(
            id: "p1", taskType: .recommendation, approach: "Similar to recent 5-star rated content",
            tags: ["thriller"], context: .init(genres: ["thriller"], mood: "tense", timeOfDay: "evening"),
            alpha: 10, beta: 2, stamp: stamp)
        #expect(abs(pattern.successRate - 10.0 / 12.0) < 1e-12)
        #expect(try HiveJSON.decode(Pattern.self, from: try HiveJSON.encode(pattern)) == pattern)
        #expect(throws: HiveError.self) { try Pattern(id: "p", taskType: .behavior, approach: "", stamp: stamp) }
    }
}
