import HiveLearning
import Testing

@testable import HiveTwin

@Suite("Recommendation blend: the federated model's weight follows its confidence")
struct RecommendationBlendTests {
    /// Six items in two content clusters; the viewer liked items 0–2 (cluster A). The model's
    /// logits prefer item 5 (cluster B) by a wide margin.
    static func fixture() throws -> (RecommendationEngine.Catalog, ItemFactorModel, [Float]) {
        var catalog = RecommendationEngine.Catalog()
        let a: [Float] = [1, 0, 0, 0]
        let b: [Float] = [0, 1, 0, 0]
        for index in 0..<6 {
            catalog.append(CatalogItem(id: "\(index)", title: "Item \(index)", genres: [index < 4 ? "A" : "B"]), vector: index < 4 ? a : b)
        }
        // Rank 1: factor 1 for item 5, 0 elsewhere; biases 0 (item 5's logit = user · 1).
        let model = try ItemFactorModel(version: 3, itemCount: 6, rank: 1, factors: [0, 0, 0, 0, 0, 1], biases: [0, 0, 0, 0, 0, 0])
        return (catalog, model, [4])
    }

    func ranking(confidence: ModelConfidence) throws -> [String] {
        let (catalog, model, user) = try Self.fixture()
        return try RecommendationEngine().recommend(
            catalog: catalog, liked: [0, 1, 2], seen: [0, 1, 2], model: model, user: user, confidence: confidence, contextVector: nil,
            context: RecommendationContext(), patterns: [], k: 3, filters: RecommendationFilters()
        ).map(\.mediaID)
    }

    @Test("weights: none at confidence 0 (the rest keep their proportions), 0.6 at full confidence")
    func weights() {
        let engine = RecommendationEngine()
        let zero = engine.blend(confidence: 0)
        #expect(zero.model == 0)
        #expect(abs(zero.content + zero.pattern + zero.popularity - 1) < 1e-12)
        #expect(abs(zero.content / zero.pattern - 1.5) < 1e-12)
        let full = engine.blend(confidence: 1)
        #expect(abs(full.model - 0.6) < 1e-12 && abs(full.content + full.pattern + full.popularity - 0.4) < 1e-12)
        #expect(engine.blend(confidence: .nan).model == 0)
        #expect(engine.blend(confidence: 7).model == full.model)
    }

    @Test("confidence: 0 at chance skill or without support; grows with skill, evidence and support")
    func confidence() {
        #expect(ModelConfidence(evidence: 10, auc: 1, support: 1).value == 0.5)
        #expect(ModelConfidence(evidence: 1000, auc: 0.5, support: 1).value == 0, "a model at chance earns no weight")
        #expect(ModelConfidence(evidence: 1000, auc: 0.3, support: 1).value == 0)
        #expect(ModelConfidence(evidence: 30, auc: 0.8, support: 1).value > ModelConfidence(evidence: 10, auc: 0.8, support: 1).value)
        #expect(ModelConfidence(evidence: 30, auc: 0.9, support: 1).value > ModelConfidence(evidence: 30, auc: 0.7, support: 1).value)
        #expect(ModelConfidence(evidence: 30, auc: 0.8, support: 0.5).value < ModelConfidence(evidence: 30, auc: 0.8, support: 1).value)
        #expect(ModelConfidence(evidence: 1000, auc: 1, support: 0).value == 0)
        #expect(ModelConfidence(evidence: 10, auc: .nan, support: 1).value == 0)
        #expect(ModelConfidence(evidence: -4, auc: 1, support: 1).value == 0)
    }

    @Test("without confidence content decides; with it the model's favourite rises to the top and is named as the reason")
    func rankingMoves() throws {
        let without = try ranking(confidence: .none)
        #expect(without.first == "3", "the unseen cluster-A item is most similar to what the viewer liked")
        let with = try ranking(confidence: ModelConfidence(evidence: 1000, auc: 1, support: 1))
        #expect(with.first == "5")
        let (catalog, model, user) = try Self.fixture()
        let top = try RecommendationEngine().recommend(
            catalog: catalog, liked: [0, 1, 2], seen: [0, 1, 2], model: model, user: user,
            confidence: ModelConfidence(evidence: 1000, auc: 1, support: 1), contextVector: nil, context: RecommendationContext(), patterns: [],
            k: 1, filters: RecommendationFilters())
        #expect(top.first?.reason.contains("personal model") == true)
    }
}
