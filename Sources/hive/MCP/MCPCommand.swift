import ArgumentParser
import Foundation
import HiveCore
import HiveHub
import HiveMCP
import Logging

/// `hive mcp …`: MCP servers over stdio for assistants and agents (Claude Desktop and others).
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve MCP tools over stdio: the viewer twin (twin) or the hub's operations (hub).",
        discussion: "stdout carries the protocol; logs go to stderr. See docs/mcp.md.",
        subcommands: [MCPTwinCommand.self, MCPHubCommand.self])

    /// Logs to stderr only: stdout belongs to the protocol.
    static func bootstrapLogging(level: String) throws -> Logger {
        guard let level = Logger.Level(rawValue: level) else { throw ValidationError("unknown log level \(level)") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "hive.mcp")
    }
}

struct MCPTwinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twin",
        abstract: "The viewer twin's tools (viewer_*, reflexion_*, skill_*, pattern_*) over stdio.")

    @Option(help: "The twin's directory (default $HIVE_HOME/twin, where `hive twin init` puts it).")
    var store: String?

    @Option(help: "Log level on stderr.")
    var logLevel: String = "warning"

    func run() async throws {
        let logger = try MCPCommand.bootstrapLogging(level: logLevel)
        let directory = store ?? TwinSettings.directory
        // A twin made by `hive twin init` names its embedder and hub; viewer_init falls back on them.
        var defaults = TwinSession.Defaults()
        let settingsPath = (directory as NSString).appendingPathComponent("twin.json")
        if let data = FileManager.default.contents(atPath: settingsPath) {
            let settings = try HiveJSON.decode(TwinSettings.self, from: data)
            defaults = TwinSession.Defaults(
                embedder: settings.embedder, modelDirectory: settings.modelDir, hubEndpoint: settings.hub)
        }
        let session = TwinSession(directory: directory, defaults: defaults)
        try await MCPStdio.serve(
            name: "hive-twin", instructions: TwinTools.instructions, tools: TwinTools.all(session), logger: logger)
        try await session.close()
    }
}

struct MCPHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "The hub's operator tools (omega_*, skill_*, ledger_verify) over stdio.",
        discussion: """
            --data DIR opens the hub's SQLite storage under DIR in this process. --hub URL relays to a running \
            hub's /mcp endpoint with the admin token (--admin-token-file, or HIVE_ADMIN_TOKEN).
            """)

    @Option(help: "A running hub's base URL, e.g. http://127.0.0.1:8433.")
    var hub: String?

    @Option(help: "A hub data directory (hub.sqlite, hub key, admin token).")
    var data: String?

    @Option(help: "File holding the hub's admin token (for --hub; default: HIVE_ADMIN_TOKEN).")
    var adminTokenFile: String?

    @Option(help: "Log level on stderr.")
    var logLevel: String = "warning"

    func validate() throws {
        guard (hub == nil) != (data == nil) else {
            throw ValidationError("give exactly one of --hub URL or --data DIR")
        }
    }

    func run() async throws {
        let logger = try MCPCommand.bootstrapLogging(level: logLevel)
        if let data {
            let session = HubSession(
                .dataDirectory(
                    data, engine: HubEngines.aggregation, ranker: HubEngines.skillRanker().ranker, logger: logger))
            try await MCPStdio.serve(
                name: "hive-hub", instructions: HubTools.instructions, tools: HubTools.all(session), logger: logger)
        } else if let hub {
            let token: String?
            if let adminTokenFile {
                guard let contents = FileManager.default.contents(atPath: adminTokenFile) else {
                    throw ValidationError("cannot read \(adminTokenFile)")
                }
                token = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                token = ProcessInfo.processInfo.environment["HIVE_ADMIN_TOKEN"]
            }
            guard let token, !token.isEmpty else {
                throw ValidationError(
                    "the hub's /mcp needs the admin token: pass --admin-token-file or set HIVE_ADMIN_TOKEN")
            }
            var base = hub
            while base.hasSuffix("/") { base.removeLast() }
            let endpoint = base.hasSuffix("/mcp") ? base : base + "/mcp"
            try await MCPStdio.bridge(
                to: StreamableHTTPClientTransport(endpoint: endpoint, bearer: token, logger: logger), logger: logger)
        }
    }
}
