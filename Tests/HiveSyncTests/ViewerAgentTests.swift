import Foundation
import HiveCore
import HiveEmbeddings
import HiveTestSupport
import HiveTwin
import Testing

@Suite("ViewerAgent")
struct ViewerAgentTests {
    static let catalog: [CatalogItem] = [
        CatalogItem(id: "1", title: "Space Station Drama", genres: ["Drama", "Sci-Fi"], popularity: 50),
        CatalogItem(id: "2", title: "Galaxy Wars", genres: ["Action", "Sci-Fi"], popularity: 400),
        CatalogItem(id: "3", title: "Quiet Village Romance", genres: ["Romance", "Drama"], popularity: 30),
        CatalogItem(id: "4", title: "Robot Uprising", genres: ["Sci-Fi", "Thriller"], popularity: 120),
        CatalogItem(id: "5", title: "Funny Cats", genres: ["Comedy"], popularity: 300),
        CatalogItem(id: "6", title: "Mars Colony", genres: ["Sci-Fi", "Drama"], popularity: 80),
        CatalogItem(id: "7", title: "Laugh Riot", genres: ["Comedy"], popularity: 10),
        CatalogItem(id: "8", title: "Alien Signal", genres: ["Sci-Fi", "Mystery"], popularity: 60),
    ]

    static func agent(hub: String? = nil, user: String = "viewer") throws -> ViewerAgent {
        let directory = try LiveHub.temporaryDirectory("viewer")
        let configuration = ViewerConfiguration(viewerID: user, hubEndpoint: hub, embedder: try HashingEmbedder(dimensions: 64))
        return try ViewerAgent.initialize(directory: directory, configuration: configuration)
    }

    @Test("cold start recommends by popularity and says so")
    func coldStart() async throws {
        let agent = try Self.agent()
        try await agent.importCatalog(Self.catalog)
        let recommendations = try await agent.getRecommendations(k: 3)
        #expect(recommendations.count == 3)
        #expect(recommendations.first?.mediaID == "2")
        #expect(recommendations.allSatisfy { $0.reason.contains("Popular") })
    }

    @Test("tracking, learning and recommending: sci-fi fan gets unseen sci-fi with reasons")
    func learnsPreferences() async throws {
        let agent = try Self.agent()
        try await agent.importCatalog(Self.catalog)
        try await agent.trackView(mediaId: "1", duration: 6000, completed: true)
        try await agent.trackView(mediaId: "4", duration: 5000, completed: true)
        try await agent.trackRating(mediaId: "6", rating: 5)
        try await agent.trackSkip(mediaId: "5", skipTime: 30)
        try await agent.trackSearch(query: "space", results: ["1", "8"], selected: "8")
        let patterns = try await agent.learnFromSession()
        #expect(patterns.contains { $0.tags == ["Sci-Fi"] && $0.successRate >= 0.7 })
        let stats = try await agent.stats()
        #expect(stats.episodes == 5)
        #expect(stats.outboxPending >= 1, "the sci-fi pattern is queued for the hub")
        let recommendations = try await agent.getRecommendations(context: RecommendationContext(genre: "Sci-Fi"), k: 2)
        #expect(recommendations.first?.mediaID == "2")
        #expect(!recommendations.contains { ["1", "4", "6", "5"].contains($0.mediaID) })
        #expect(recommendations.allSatisfy { !$0.reason.isEmpty && $0.score > 0 })
        // Learning twice from nothing new adds nothing.
        #expect(try await agent.learnFromSession().isEmpty)
        #expect(try await agent.exportPatterns(minQuality: 0.7).count >= 1)
    }

    @Test("bad input gets a specific error and changes nothing")
    func badInput() async throws {
        let agent = try Self.agent()
        try await agent.importCatalog(Self.catalog)
        await #expect { try await agent.trackView(mediaId: "999", duration: 10, completed: true) } throws: {
            ($0 as? HiveError)?.code == .notFound
        }
        await #expect { try await agent.trackView(mediaId: "1", duration: .nan, completed: true) } throws: {
            ($0 as? HiveError)?.code == .invalidInput
        }
        await #expect { try await agent.trackRating(mediaId: "1", rating: 7) } throws: { ($0 as? HiveError)?.code == .invalidInput }
        await #expect { try await agent.trackSkip(mediaId: "1", skipTime: -1) } throws: { ($0 as? HiveError)?.code == .invalidInput }
        await #expect { try await agent.getRecommendations(k: 0) } throws: { ($0 as? HiveError)?.code == .invalidInput }
        await #expect { try await agent.importCatalog([CatalogItem(id: "", title: "x", genres: [])]) } throws: {
            ($0 as? HiveError)?.code == .invalidInput
        }
        await #expect { try await agent.syncWithCore() } throws: { ($0 as? HiveError)?.code == .invalidInput }
        #expect(try await agent.stats().events == 0)
        try await agent.shutdown()
        await #expect { try await agent.trackView(mediaId: "1", duration: 1, completed: true) } throws: {
            ($0 as? HiveError)?.code == .unavailable
        }
    }

    @Test("a restart rebuilds the exact pattern index from the table (no index file) and it matches the table")
    func restartLoadsIndex() async throws {
        let directory = try LiveHub.temporaryDirectory("viewer-restart")
        let configuration = ViewerConfiguration(viewerID: "viewer", embedder: try HashingEmbedder(dimensions: 64))
        let first = try ViewerAgent.initialize(directory: directory, configuration: configuration)
        #expect(first.bank.indexOrigin == "rebuilt")
        try await first.importCatalog(Self.catalog)
        for id in ["1", "4", "6"] { try await first.trackView(mediaId: id, duration: 5400, completed: true) }
        let learned = try await first.learnFromSession()
        #expect(!learned.isEmpty)
        let query = [Float](repeating: 0.125, count: 64)
        let before = try first.bank.searchPatterns(vector: query, k: 5).map(\.pattern.id)
        try await first.shutdown()

        let second = try ViewerAgent.initialize(directory: directory, configuration: configuration)
        #expect(second.bank.indexOrigin == "rebuilt")
        #expect(!FileManager.default.fileExists(atPath: second.bank.indexPath), "exact indexes are not persisted")
        #expect(try second.bank.verifyIndex().isEmpty)
        #expect(try second.bank.count() == learned.count)
        #expect(try second.bank.searchPatterns(vector: query, k: 5).map(\.pattern.id) == before)
        // A write after the restart: the next open rebuilds an index that includes it.
        try await second.trackView(mediaId: "8", duration: 5400, completed: true)
        _ = try await second.learnFromSession()
        try await second.shutdown()
        let third = try ViewerAgent.initialize(directory: directory, configuration: configuration)
        #expect(third.bank.indexOrigin == "rebuilt")
        #expect(!FileManager.default.fileExists(atPath: third.bank.indexPath), "exact indexes are not persisted")
        #expect(try third.bank.verifyIndex().isEmpty)
        try await third.shutdown()
    }

    @Test("three viewer twins learn, sync, and every twin's preference reaches the hub exactly once")
    func threeViewersSync() async throws {
        try await LiveHub.with { url, server in
            var agents: [ViewerAgent] = []
            for user in ["v1", "v2", "v3"] {
                let agent = try Self.agent(hub: url, user: user)
                _ = try await agent.pinHub()
                try await agent.importCatalog(Self.catalog)
                for id in ["1", "4", "6"] { try await agent.trackView(mediaId: id, duration: 5400, completed: true) }
                _ = try await agent.learnFromSession()
                agents.append(agent)
            }
            for agent in agents {
                let report = try await agent.syncWithCore()
                #expect(report.accepted >= 1 && report.rejected == 0 && report.pendingAfter == 0)
                // A second sync re-sends nothing.
                #expect(try await agent.syncWithCore().accepted == 0)
            }
            let counts = try await server.core.store.counts(nowMs: server.core.nowMs, activeWindowMs: 60_000)
            let expected = try await agents.asyncReduce(0) { $0 + (try await $1.stats().outboxDelivered) }
            #expect(counts.patternsReceived == Int64(expected))
        }
    }
}

extension Sequence where Element: Sendable {
    func asyncReduce<R>(_ initial: R, _ next: (R, Element) async throws -> R) async rethrows -> R {
        var result = initial
        for element in self { result = try await next(result, element) }
        return result
    }
}
