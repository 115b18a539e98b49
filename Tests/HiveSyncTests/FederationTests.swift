import Foundation
import HiveCore
import HiveEmbeddings
import HiveHub
import HiveLearning
import HiveTwin
import Testing

@Suite("Model federation through the hub", .serialized)
struct FederationTests {
    /// Twenty films, alike in genre and title shape so content and popularity do not separate them.
    static let catalog: [CatalogItem] = (1...20).map { CatalogItem(id: "\($0)", title: "Film number \($0)", genres: ["Drama"]) }

    static func engine() throws -> LearningAggregationEngine {
        try LearningAggregationEngine(configuration: try LearningEngineConfiguration(itemCount: 50, rank: 8))
    }

    @Test("twins push signed model updates; after a round each twin applies the hub-signed model and its recommendations use it")
    func roundChangesRecommendations() async throws {
        try await LiveHub.with(engine: try Self.engine()) { url, server in
            // Four peers love films 1–6; the twin under test has only seen (and loved) 1–3.
            var peers: [ViewerAgent] = []
            for user in ["p1", "p2", "p3", "p4"] {
                let agent = try ViewerAgentTests.agent(hub: url, user: user)
                _ = try await agent.pinHub()
                try await agent.importCatalog(Self.catalog)
                for id in 1...6 { try await agent.trackView(mediaId: "\(id)", duration: 5400, completed: true) }
                _ = try await agent.learnFromSession()
                peers.append(agent)
            }
            let viewer = try ViewerAgentTests.agent(hub: url, user: "viewer")
            _ = try await viewer.pinHub()
            try await viewer.importCatalog(Self.catalog)
            for id in 1...3 { try await viewer.trackView(mediaId: "\(id)", duration: 5400, completed: true) }
            _ = try await viewer.learnFromSession()

            // Before any round the global model is all zeros: every item's model signal is σ(0).
            let before = try await viewer.getRecommendations(k: 17)
            #expect(before.allSatisfy { abs(($0.components["model"] ?? 0) - 0.5) < 1e-9 })

            for agent in peers + [viewer] {
                let report = try await agent.syncWithCore()
                #expect(report.rejected == 0, "model updates accepted by the hub's engine")
                #expect(report.receiptsVerified == report.accepted)
            }
            let round = try await server.core.aggregate()
            #expect(round.updatesUsed == 5)
            #expect(round.modelVersion == 1)
            #expect(round.patternsConsolidated >= 1, "five twins' Drama preference reaches consensus")

            let report = try await viewer.syncWithCore()
            #expect(report.modelRowsPulled > 0)
            let stats = try await viewer.stats()
            #expect(stats.modelVersion == 1)
            #expect(stats.outboxPending >= 1, "a fresh update against version 1 is queued for the next round")

            // The model earns weight only by predicting what the viewer does next: it watches film 4
            // (which the peers loved) and the model, scored before training on it, ranked it high.
            #expect(try await viewer.relevanceWithAndWithoutModel(of: ["5"]).confidence == 0, "no evidence yet")
            try await viewer.trackView(mediaId: "4", duration: 5400, completed: true)
            _ = try await viewer.learnFromSession()
            #expect(try await viewer.relevanceWithAndWithoutModel(of: ["5"]).confidence > 0, "the model ranked the fresh like above chance")

            let after = try await viewer.getRecommendations(k: 16)
            let model = Dictionary(uniqueKeysWithValues: after.map { ($0.mediaID, $0.components["model"] ?? 0) })
            let lovedByPeers = ["5", "6"].compactMap { model[$0] }
            let lovedByNobody = (7...20).compactMap { model["\($0)"] }
            #expect(lovedByPeers.count == 2 && lovedByNobody.count == 14)
            #expect(lovedByPeers.min() ?? 0 > lovedByNobody.max() ?? 1, "films the peers loved score higher in the federated model")
            // The blended scores move with the model: the peers' films gain more than any other.
            let scoreBefore = Dictionary(uniqueKeysWithValues: before.map { ($0.mediaID, $0.score) })
            let gain = Dictionary(uniqueKeysWithValues: after.map { ($0.mediaID, $0.score - (scoreBefore[$0.mediaID] ?? 0)) })
            #expect(["5", "6"].compactMap { gain[$0] }.min() ?? 0 > (7...20).compactMap { gain["\($0)"] }.max() ?? 1)

            // Every twin receives the consolidated knowledge of the others.
            for agent in peers { _ = try await agent.syncWithCore() }
            for agent in peers + [viewer] {
                let consolidated = try await agent.stats().consolidatedPatterns
                #expect(consolidated >= 1)
            }

            // The next round takes the refreshed updates (based on version 1) and publishes version 2.
            for agent in peers + [viewer] { _ = try await agent.syncWithCore() }
            let second = try await server.core.aggregate()
            #expect(second.modelVersion == 2)
            #expect(second.updatesUsed >= 1)
        }
    }

    @Test("ids outside the hub's model are not sent; a twin without a known model shape pushes no update")
    func globalRows() async throws {
        #expect(ViewerAgent.globalRow(of: "42", itemCount: 50) == 42)
        #expect(ViewerAgent.globalRow(of: "0", itemCount: 50) == 0)
        #expect(ViewerAgent.globalRow(of: "50", itemCount: 50) == nil)
        #expect(ViewerAgent.globalRow(of: "042", itemCount: 50) == nil)
        #expect(ViewerAgent.globalRow(of: "-1", itemCount: 50) == nil)
        #expect(ViewerAgent.globalRow(of: "tt0111161", itemCount: 50) == nil)
        #expect(ViewerAgent.globalRow(of: "99999999999999999999", itemCount: 50) == nil)
        let agent = try ViewerAgentTests.agent()
        try await agent.importCatalog(Self.catalog)
        for id in 1...4 { try await agent.trackView(mediaId: "\(id)", duration: 5400, completed: true) }
        _ = try await agent.learnFromSession()
        let queued = try OfflineEnvelopeStore(store: agent.store).pending(limit: 100)
        #expect(!queued.contains { $0.envelope.kind == .modelUpdate })
    }
}
