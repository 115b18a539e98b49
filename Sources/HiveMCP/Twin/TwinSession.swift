import Foundation
import HiveCore
import HiveEmbeddings
import HiveTwin

/// The twin an MCP session drives: nothing is open until `viewer_init`, which opens (creating
/// when needed) the twin under ``directory``; every other twin tool needs it open.
public actor TwinSession {
    /// Where the twin lives (node key, `twin.sqlite`).
    public nonisolated let directory: String
    /// Settings used when `viewer_init` leaves them out.
    public nonisolated let defaults: Defaults
    private(set) var agent: ViewerAgent?

    /// Settings `viewer_init` falls back on (e.g. read from `hive twin init`'s `twin.json`).
    public struct Defaults: Sendable {
        /// "minilm" or "hashing" (explicit choice; never a silent fallback).
        public var embedder: String
        public var modelDirectory: String?
        public var hubEndpoint: String?

        public init(embedder: String = "minilm", modelDirectory: String? = nil, hubEndpoint: String? = nil) {
            self.embedder = embedder
            self.modelDirectory = modelDirectory
            self.hubEndpoint = hubEndpoint
        }
    }

    public init(directory: String, defaults: Defaults = Defaults()) {
        self.directory = directory
        self.defaults = defaults
    }

    /// The open agent, or the error every twin tool but `viewer_init` gives before it.
    func requireAgent(for tool: String) throws -> ViewerAgent {
        guard let agent else {
            throw HiveError(
                .unavailable, "no twin is open: call viewer_init with a viewerId first (\(tool) needs the twin's store)"
            )
        }
        return agent
    }

    /// Opens the twin for `configuration` unless one is open; a second init for the same viewer
    /// returns the open agent, for another viewer it is refused.
    func open(_ configuration: ViewerConfiguration) throws -> (agent: ViewerAgent, opened: Bool) {
        if let agent {
            guard agent.configuration.viewerID == configuration.viewerID else {
                throw HiveError(
                    .forbidden,
                    "this session's twin serves viewer \(agent.configuration.viewerID.prefix(64)); start another session for \(configuration.viewerID.prefix(64))"
                )
            }
            return (agent, false)
        }
        let opened = try ViewerAgent.initialize(directory: directory, configuration: configuration)
        agent = opened
        return (opened, true)
    }

    /// Flushes and closes the twin (server shutdown).
    public func close() async throws {
        if let agent { try await agent.shutdown() }
        agent = nil
    }

    /// An embedder by name.
    static func embedder(named name: String, modelDirectory: String?) throws -> any Embedder {
        switch name {
        case "hashing": return try HashingEmbedder()
        case "minilm":
            return try MiniLMEmbedder(directory: modelDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) })
        default: throw HiveError(.invalidInput, "config.embedder must be minilm or hashing, got \(name.prefix(32))")
        }
    }
}
