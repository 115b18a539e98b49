import Foundation
import HiveCore
import Testing

@testable import HiveLearning

/// The factored wire form of a twin's ALS statistics.
@Suite("WALSContribution")
struct WALSContributionTests {
    static func model() throws -> ItemFactorModel { try ItemFactorModel(itemCount: 40, rank: 6, seed: 3) }

    @Test("expands bit for bit to the trainer's statistics, which decompose back to the same vector and confidences")
    func expansion() throws {
        let model = try Self.model()
        let trainer = WALSTrainer(configuration: try WALSConfiguration(regularization: 0.5, alpha: 4))
        let own = [3, 9, 9, 17, 33].map { Interaction(item: $0, weight: 1) }
        let user = try trainer.solveUser(model: model, gram: WALSTrainer.gram(of: model), interactions: own)
        let contribution = try WALSContribution(
            model: model, user: user, interactions: own, configuration: trainer.configuration, twinID: "t")
        #expect(contribution.items.map(\.item) == [3, 9, 17, 33])
        let statistics = try contribution.statistics(itemCount: model.itemCount)
        #expect(statistics == (try trainer.statistics(model: model, user: user, interactions: own, twinID: "t")))
        let decomposition = try WALSStatistics(rank: model.rank).decompose(statistics, itemCount: model.itemCount)
        #expect(decomposition.confidences.map(\.item) == contribution.items.map(\.item))
        for (got, sent) in zip(decomposition.confidences.map(\.confidence), contribution.items.map(\.confidence)) {
            #expect(abs(got - sent) < 1e-3 * sent)
        }
        // Canonical JSON round trip.
        let decoded = try HiveJSON.decode(WALSContribution.self, from: try CanonicalJSON.encode(contribution))
        #expect(decoded == contribution)
    }

    @Test("decoding refuses what a hostile sender could get wrong, naming the field")
    func refusals() throws {
        func refused(_ json: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(sourceLocation: sourceLocation) {
                _ = try HiveJSON.decode(WALSContribution.self, from: Array(json.utf8))
            } throws: { error in
                "\(error)".contains(fragment)
            }
        }
        refused(#"{"twin_id":"t","base_version":0,"user":[0,0],"items":[{"item":1,"confidence":2}]}"#, "zero vector")
        refused(#"{"twin_id":"t","base_version":0,"user":[1,2],"items":[{"item":1,"confidence":0.9}]}"#, "confidence 0.9")
        refused(#"{"twin_id":"t","base_version":0,"user":[1,2],"items":[{"item":4,"confidence":2},{"item":1,"confidence":2}]}"#, "ascending")
        refused(#"{"twin_id":"t","base_version":0,"user":[1,2],"items":[]}"#, "items")
        refused(#"{"twin_id":"","base_version":0,"user":[1,2],"items":[{"item":1,"confidence":2}]}"#, "twin_id")
        refused(#"{"twin_id":"t","base_version":0,"user":[1,2],"items":[{"item":-1,"confidence":2}]}"#, "item -1")
        let long = "[" + Array(repeating: "1", count: WALSContribution.maxRank + 1).joined(separator: ",") + "]"
        refused(#"{"twin_id":"t","base_version":0,"user":\#(long),"items":[{"item":1,"confidence":2}]}"#, "user must have")
        let contribution = try WALSContribution(
            twinID: "t", baseVersion: 2, user: [1, 2, 3, 4, 5, 6], items: [.init(item: 45, confidence: 2)])
        #expect { try contribution.validate(itemCount: 40, rank: 6, version: 2, maxStaleness: 0) } throws: {
            "\($0)".contains("names item 45")
        }
        #expect { try contribution.validate(itemCount: 50, rank: 6, version: 4, maxStaleness: 1) } throws: {
            "\($0)".contains("based on version 2")
        }
    }
}
