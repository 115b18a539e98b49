import Foundation
import HiveCore
import HiveHub
import Logging
import MCP

/// The hub an MCP session operates: nothing is attached until `omega_init`.
///
/// Two ways to reach a hub: ``Attachment/running(_:)`` — inside `hive serve`, where `/mcp`
/// shares the serving hub's core — and ``Attachment/dataDirectory(_:engine:ranker:logger:)`` —
/// `hive mcp hub --data DIR`, which opens that hub's SQLite storage in this process without
/// serving HTTP (a PostgreSQL hub's pool is a service of `hive serve`: reach it through its `/mcp`).
public actor HubSession {
    public enum Attachment: Sendable {
        case running(OmegaCore)
        case dataDirectory(String, engine: (any AggregationEngine)?, ranker: any SkillRanker, logger: Logger)
    }

    public nonisolated let attachment: Attachment
    private(set) var core: OmegaCore?

    public init(_ attachment: Attachment) {
        self.attachment = attachment
    }

    /// The attached core, or the error every hub tool but `omega_init` gives before it.
    func requireCore(for tool: String) throws -> OmegaCore {
        guard let core else {
            throw HiveError(.unavailable, "no hub is attached: call omega_init first (\(tool) needs the hub's storage)")
        }
        return core
    }

    /// Attaches (opening storage when needed). `settings` are HubConfiguration keys: with a data
    /// directory they configure the hub opened here; a hub that is already running (or already
    /// opened) cannot change settings, so each given key must equal its current value.
    func attach(settings: [String: Value]) async throws -> (core: OmegaCore, opened: Bool) {
        if let core {
            try Self.requireUnchanged(settings, current: core.configuration, what: "this session's hub")
            return (core, false)
        }
        switch attachment {
        case .running(let running):
            try Self.requireUnchanged(settings, current: running.configuration, what: "the running hub")
            core = running
            return (running, false)
        case .dataDirectory(let directory, let engine, let ranker, let logger):
            var configuration = try Self.configuration(from: settings)
            configuration.dataDirectory = directory
            let (server, _) = try HubServer.make(
                configuration: configuration, engine: engine, ranker: ranker, logger: logger)
            try await server.prepare()
            // A concurrent omega_init may have attached while this one migrated: keep the first.
            if let core { return (core, false) }
            core = server.core
            return (server.core, true)
        }
    }

    /// Settings → a configuration, through HubConfiguration's own decoder and validation.
    static func configuration(from settings: [String: Value]) throws -> HubConfiguration {
        let data = try JSONEncoder().encode(Value.object(settings))
        let configuration = try HiveJSON.decode(HubConfiguration.self, from: data)
        try configuration.validate()
        return configuration
    }

    static func requireUnchanged(_ settings: [String: Value], current: HubConfiguration, what: String) throws {
        guard !settings.isEmpty else { return }
        let encoded = try JSONDecoder().decode([String: Value].self, from: try JSONEncoder().encode(current))
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            let now = encoded[key] ?? .null
            let same: Bool =
                switch (ToolSchema.number(value), ToolSchema.number(now)) {
                case (let a?, let b?): a == b
                default: value == now
                }
            guard same else {
                throw HiveError(
                    .invalidInput,
                    "\(what) has \(key) = \(now); settings cannot change while it runs (restart hive serve with --config to change them)"
                )
            }
        }
    }
}
