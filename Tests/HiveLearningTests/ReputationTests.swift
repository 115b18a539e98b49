import Foundation
import HiveCore
import Testing

@testable import HiveLearning

@Suite("Reputation")
struct ReputationTests {
    @Test("EMA 0.9/0.1 from a neutral 0.5 start with a 0.8 trust threshold")
    func ema() throws {
        var book = ReputationBook()
        #expect(book.score(of: "new") == 0.5)
        #expect(!book.isTrusted("new"))
        #expect(abs(try book.record(quality: 1, for: "t") - 0.55) < 1e-12)
        #expect(abs(try book.record(quality: 0, for: "t") - 0.495) < 1e-12)
        for _ in 0..<30 { try book.record(quality: 1, for: "t") }
        #expect(book.isTrusted("t"))
        #expect(book.weights(for: ["t", "new"])["new"] == 0.5)
    }

    @Test("configurable, validated, Codable")
    func configuration() throws {
        var book = ReputationBook(
            configuration: try ReputationConfiguration(retention: 0.5, initial: 0.2, trustThreshold: 0.6))
        #expect(abs(try book.record(quality: 1, for: "t") - 0.6) < 1e-12)
        #expect(book.isTrusted("t"))
        let decoded = try JSONDecoder().decode(ReputationBook.self, from: JSONEncoder().encode(book))
        #expect(decoded == book)
        #expect(throws: HiveError.self) { try ReputationConfiguration(retention: 1) }
        #expect(throws: HiveError.self) { try ReputationConfiguration(initial: -0.1) }
        #expect(throws: HiveError(.invalidInput, "quality must be in [0.0, 1.0], got 1.2")) {
            try book.record(quality: 1.2, for: "t")
        }
        #expect(throws: HiveError.self) { try book.record(quality: .nan, for: "t") }
        let bad = Data(
            #"{"configuration":{"retention":0.9,"initial":0.5,"trust_threshold":0.8},"scores":{"x":7}}"#.utf8)
        #expect(throws: HiveError.self) { try JSONDecoder().decode(ReputationBook.self, from: bad) }
    }

    @Test("diagnostics quality: near the median is good, far is bad, excluded is bad")
    func quality() {
        #expect(TwinDiagnostics.quality(relativeDistance: 0.7, retained: 1) == 1)
        #expect(abs(TwinDiagnostics.quality(relativeDistance: 2, retained: 1) - exp(-1)) < 1e-12)
        #expect(TwinDiagnostics.quality(relativeDistance: 50, retained: 1) < 1e-20)
        #expect(TwinDiagnostics.quality(relativeDistance: 1, retained: 0) == 0)
        #expect(TwinDiagnostics.quality(relativeDistance: .nan, retained: 1) == 0)
    }
}
