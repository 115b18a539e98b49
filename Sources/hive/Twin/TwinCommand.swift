import ArgumentParser
import Foundation
import HiveCore
import HiveEmbeddings
import HiveTwin

/// `hive twin …`: the viewer twin on this device, kept under `$HIVE_HOME/twin` (default `~/.hive/twin`).
struct TwinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twin",
        abstract: "Run the viewer twin on this device: track, learn, recommend, sync with a hub.",
        subcommands: [
            TwinInitCommand.self, TwinImportItemsCommand.self, TwinTrackCommand.self, TwinRecommendCommand.self,
            TwinSyncCommand.self, TwinStatsCommand.self, TwinExportPatternsCommand.self,
        ])
}

/// The twin's settings, written by `twin init` to `$HIVE_HOME/twin/twin.json`.
struct TwinSettings: Codable {
    var hub: String
    var user: String
    /// "minilm" or "hashing" (the hashing embedder is an explicit choice, never a fallback).
    var embedder: String
    var modelDir: String?

    static var directory: String { (HivePaths.home as NSString).appendingPathComponent("twin") }
    static var path: String { (directory as NSString).appendingPathComponent("twin.json") }

    static func load() throws -> TwinSettings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HiveError(.notFound, "no twin in \(directory); run `hive twin init --hub URL` first")
        }
        return try HiveJSON.decode(TwinSettings.self, from: data)
    }

    func makeEmbedder() throws -> any Embedder {
        switch embedder {
        case "hashing": return try HashingEmbedder()
        case "minilm": return try MiniLMEmbedder(directory: modelDir.map { URL(fileURLWithPath: $0, isDirectory: true) })
        default: throw HiveError(.invalidInput, "unknown embedder \(embedder) in \(Self.path)")
        }
    }

    /// Opens the agent.
    static func agent() throws -> (ViewerAgent, TwinSettings) {
        let settings = try load()
        let configuration = ViewerConfiguration(viewerID: settings.user, hubEndpoint: settings.hub, embedder: try settings.makeEmbedder())
        return (try ViewerAgent.initialize(directory: directory, configuration: configuration), settings)
    }
}

struct TwinInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the twin and pin the hub's key.")

    @Option(help: "The hub URL, e.g. http://127.0.0.1:8433.") var hub: String
    @Option(help: "The user the twin serves (default $USER).") var user: String = HivePaths.defaultUser
    @Flag(help: "Embed with the model-free hashing embedder instead of MiniLM (explicit choice).") var hashingEmbedder = false
    @Option(help: "MiniLM model directory.") var modelDir: String?

    func run() async throws {
        let settings = TwinSettings(hub: hub, user: user, embedder: hashingEmbedder ? "hashing" : "minilm", modelDir: modelDir)
        if let existing = try? TwinSettings.load(), existing.user != user {
            throw HiveError(.forbidden, "a twin for user \(existing.user) already lives in \(TwinSettings.directory)")
        }
        try FileManager.default.createDirectory(
            atPath: TwinSettings.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let configuration = ViewerConfiguration(viewerID: user, hubEndpoint: hub, embedder: try settings.makeEmbedder())
        let agent = try ViewerAgent.initialize(directory: TwinSettings.directory, configuration: configuration)
        let key = try await agent.pinHub()
        try HiveJSON.encode(settings).write(to: URL(fileURLWithPath: TwinSettings.path))
        try await agent.shutdown()
        print("twin \(agent.store.twinID) for \(user) in \(TwinSettings.directory)")
        print("pinned hub key \(key)")
    }
}

struct TwinImportItemsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-items", abstract: "Import a catalogue (MovieLens u.item).")
    @Argument(help: "The item file.") var file: String

    func run() async throws {
        let items = try MovieLensCatalog.items(file)
        let (agent, _) = try TwinSettings.agent()
        let count = try await agent.importCatalog(items)
        try await agent.shutdown()
        print("imported \(count) items")
    }
}

struct TwinTrackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track", abstract: "Record what the viewer did.",
        subcommands: [View.self, Rate.self, Search.self, Skip.self])

    struct View: AsyncParsableCommand {
        @Argument var mediaID: String
        @Option(help: "Seconds watched.") var duration: Double
        @Flag var completed = false
        func run() async throws {
            let (agent, _) = try TwinSettings.agent()
            try await agent.trackView(mediaId: mediaID, duration: duration, completed: completed)
            try await agent.shutdown()
        }
    }

    struct Rate: AsyncParsableCommand {
        @Argument var mediaID: String
        @Argument(help: "1–5.") var rating: Double
        func run() async throws {
            let (agent, _) = try TwinSettings.agent()
            try await agent.trackRating(mediaId: mediaID, rating: rating)
            try await agent.shutdown()
        }
    }

    struct Search: AsyncParsableCommand {
        @Argument var query: String
        @Option var selected: String?
        func run() async throws {
            let (agent, _) = try TwinSettings.agent()
            try await agent.trackSearch(query: query, results: [], selected: selected)
            try await agent.shutdown()
        }
    }

    struct Skip: AsyncParsableCommand {
        @Argument var mediaID: String
        @Option(help: "Seconds into the item.") var at: Double
        func run() async throws {
            let (agent, _) = try TwinSettings.agent()
            try await agent.trackSkip(mediaId: mediaID, skipTime: at)
            try await agent.shutdown()
        }
    }
}

struct TwinRecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recommend", abstract: "Learn from new events, then recommend.")
    @Option var genre: String?
    @Option var mood: String?
    @Option var timeOfDay: String?
    @Option var k: Int = 10

    func run() async throws {
        let (agent, _) = try TwinSettings.agent()
        _ = try await agent.learnFromSession()
        let recommendations = try await agent.getRecommendations(
            context: RecommendationContext(genre: genre, mood: mood, timeOfDay: timeOfDay), k: k)
        try await agent.shutdown()
        for (rank, item) in recommendations.enumerated() {
            print("\(rank + 1). \(item.title)  (\((item.score * 1000).rounded() / 1000))  \(item.reason)")
        }
    }
}

struct TwinSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Learn, then sync with the pinned hub.")
    func run() async throws {
        let (agent, _) = try TwinSettings.agent()
        _ = try await agent.learnFromSession()
        let report: SyncReport
        do {
            report = try await agent.syncWithCore()
        } catch {
            // A refused rollback or split view must not read like a network hiccup.
            if let alarm = try? await agent.stats().ledgerAlarm {
                FileHandle.standardError.write(Data("LEDGER ALARM: \(alarm)\n".utf8))
            }
            try await agent.shutdown()
            throw error
        }
        try await agent.shutdown()
        print(String(decoding: try HiveJSON.encode(report), as: UTF8.self))
    }
}

struct TwinStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts: events, memories, outbox, sync state.")
    func run() async throws {
        let (agent, _) = try TwinSettings.agent()
        let stats = try await agent.stats()
        try await agent.shutdown()
        print(String(decoding: try HiveJSON.encode(stats), as: UTF8.self))
        if let alarm = stats.ledgerAlarm { FileHandle.standardError.write(Data("LEDGER ALARM: \(alarm)\n".utf8)) }
    }
}

struct TwinExportPatternsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export-patterns", abstract: "Print local patterns as JSON lines.")
    @Option var minQuality: Double = 0.7
    func run() async throws {
        let (agent, _) = try TwinSettings.agent()
        let patterns = try await agent.exportPatterns(minQuality: minQuality)
        try await agent.shutdown()
        for pattern in patterns { print(String(decoding: try CanonicalJSON.encode(pattern), as: UTF8.self)) }
    }
}
