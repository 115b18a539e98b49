import Foundation
import HiveCore
import HiveTwin

/// The viewer-role tools (design §7.1 plus the twin's memory tools), over a ``TwinSession``.
public enum TwinTools {
    /// Every twin tool, in `tools/list` order.
    public static func all(_ session: TwinSession) -> [MCPTool] {
        [
            viewerInit(session), trackBehavior(session), recommendations(session), sync(session), stats(session),
            exportPatterns(session), reflexionStore(session), reflexionRetrieve(session), skillCreate(session),
            skillSearch(session), patternStore(session), patternSearch(session),
        ]
    }

    /// What the server tells a client about itself at `initialize`.
    public static let instructions = """
        Hive viewer twin: a private, offline-first agent that learns what its viewer likes. Call viewer_init first \
        (viewerId, optional config). Then record behaviour with viewer_track_behavior, ask for viewer_get_recommendations, \
        and viewer_sync with the hub. reflexion_*, skill_* and pattern_* read and write the twin's memories.
        """

    // MARK: Shared declarations

    static let catalogItem = ToolSchema.object(
        "A catalogue item.",
        fields: [
            .init("id", .string("Media id.", maxBytes: Validation.Limit.id), required: true),
            .init("title", .string("Title.", maxBytes: Validation.Limit.text), required: true),
            .init(
                "genres",
                .array(
                    "Genres.", items: .string("A genre.", maxBytes: Validation.Limit.tag),
                    maxItems: Validation.Limit.tags)),
            .init("description", .string("Synopsis.", maxBytes: Validation.Limit.text, nonEmpty: false)),
            .init("popularity", .number("Prior popularity (interaction count), for cold start.", range: 0...1e12)),
        ])

    static func item(_ arguments: ToolArguments) throws -> CatalogItem {
        CatalogItem(
            id: try arguments.require("id"), title: try arguments.require("title"),
            genres: arguments.strings("genres") ?? [],
            description: arguments.string("description") ?? "", popularity: arguments.double("popularity") ?? 0)
    }

    static let kSchema = ToolSchema.integer("How many results (default 10).", range: 1...1_000)

    // MARK: viewer_init

    struct InitResult: Codable, Sendable {
        var viewerId: String
        var twinId: String
        var directory: String
        /// False when this session's twin was already open.
        var opened: Bool
        var embedder: String
        var hubEndpoint: String?
        var catalogImported: Int
        var stats: ViewerStats
    }

    static func viewerInit(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "viewer_init",
            description:
                "Open (creating when needed) the viewer twin for viewerId under this server's store directory. Call it before any other twin tool.",
            input: .arguments([
                .init(
                    "viewerId", .string("The viewer (user) id the twin serves.", maxBytes: TwinIdentity.maxUserIDBytes),
                    required: true),
                .init(
                    "config",
                    .object(
                        "Optional settings.",
                        fields: [
                            .init(
                                "hubEndpoint",
                                .string("Hub URL for viewer_sync, e.g. http://127.0.0.1:8433.", maxBytes: 2_048)),
                            .init(
                                "embedder",
                                .string(
                                    "Embedding model: minilm (default) or hashing (model-free, explicit).",
                                    oneOf: ["minilm", "hashing"])),
                            .init(
                                "modelDir",
                                .string("MiniLM model directory (default: the installed model).", maxBytes: 4_096)),
                            .init(
                                "minQualityThreshold",
                                .number(
                                    "Success rate a preference needs to become a shared pattern (default 0.7).",
                                    range: 0...1)),
                            .init(
                                "maxLocalPatterns",
                                .integer("Most local patterns kept (default 10000).", range: 1...1_000_000)),
                            .init(
                                "syncIntervalMs",
                                .integer(
                                    "Least time between syncs unless forced (default 60000).", range: 0...86_400_000)),
                            .init(
                                "catalog",
                                .array("Catalogue items to add or replace.", items: catalogItem, maxItems: 10_000)),
                        ])),
            ]),
            annotations: .init(
                title: "Open the viewer twin", readOnlyHint: false, destructiveHint: false, idempotentHint: true,
                openWorldHint: false)
        ) { arguments, _ in
            let config = arguments.object("config") ?? ToolArguments([:])
            let viewerID = try arguments.require("viewerId")
            let embedder = try TwinSession.embedder(
                named: config.string("embedder") ?? session.defaults.embedder,
                modelDirectory: config.string("modelDir") ?? session.defaults.modelDirectory)
            var configuration = ViewerConfiguration(
                viewerID: viewerID, hubEndpoint: config.string("hubEndpoint") ?? session.defaults.hubEndpoint,
                embedder: embedder)
            if let threshold = config.double("minQualityThreshold") { configuration.minQualityThreshold = threshold }
            if let limit = config.int("maxLocalPatterns") { configuration.maxLocalPatterns = limit }
            if let interval = config.int("syncIntervalMs") { configuration.syncIntervalMs = Int64(interval) }
            let items = try (config.objects("catalog") ?? []).map(item)
            let (agent, opened) = try await session.open(configuration)
            let imported = items.isEmpty ? 0 : try await agent.importCatalog(items)
            return InitResult(
                viewerId: viewerID, twinId: agent.store.twinID, directory: session.directory, opened: opened,
                embedder: agent.configuration.embedder.modelID, hubEndpoint: agent.configuration.hubEndpoint,
                catalogImported: imported, stats: try await agent.stats())
        }
    }

    // MARK: viewer_track_behavior

    struct TrackResult: Codable, Sendable {
        var action: String
        var mediaId: String?
        /// The item was not in the catalogue and was added from the metadata.
        var addedToCatalog: Bool
        var events: Int
        var unlearnedEvents: Int
    }

    static func trackBehavior(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "viewer_track_behavior",
            description: """
                Record what the viewer did. action view needs metadata.duration (seconds; metadata.completed optional), \
                rate needs metadata.rating (1–5), skip needs metadata.skipTime (seconds), search needs metadata.query \
                (mediaId = the selected result, if any). An item not yet in the catalogue is added when metadata.title is given.
                """,
            input: .arguments([
                .init("action", .string("What happened.", oneOf: ["view", "search", "rate", "skip"]), required: true),
                .init(
                    "mediaId",
                    .string("The media item (for search: the result chosen, if any).", maxBytes: Validation.Limit.id)),
                .init(
                    "metadata",
                    .object(
                        "Details of the action, and of the item when it is new.",
                        fields: [
                            .init("duration", .number("Seconds watched (view).", range: 0...604_800)),
                            .init("completed", .boolean("Watched to the end (view).")),
                            .init("rating", .number("Rating 1–5 (rate).", range: 1...5)),
                            .init(
                                "skipTime", .number("Seconds into the item when skipped (skip).", range: 0...604_800)),
                            .init("query", .string("The search text (search).", maxBytes: Validation.Limit.text)),
                            .init(
                                "results",
                                .array(
                                    "Result ids shown (search).",
                                    items: .string("A media id.", maxBytes: Validation.Limit.id), maxItems: 1_000)),
                            .init(
                                "title",
                                .string(
                                    "Title, to add an unknown item to the catalogue.", maxBytes: Validation.Limit.text)),
                            .init(
                                "genres",
                                .array(
                                    "Genres of a new item.", items: .string("A genre.", maxBytes: Validation.Limit.tag),
                                    maxItems: Validation.Limit.tags)),
                            .init(
                                "description",
                                .string("Synopsis of a new item.", maxBytes: Validation.Limit.text, nonEmpty: false)),
                            .init("popularity", .number("Prior popularity of a new item.", range: 0...1e12)),
                        ])),
            ]),
            annotations: .init(
                title: "Track viewer behaviour", readOnlyHint: false, destructiveHint: false, idempotentHint: false,
                openWorldHint: false)
        ) { arguments, _ in
            let agent = try await session.requireAgent(for: "viewer_track_behavior")
            let action = try arguments.require("action")
            let metadata = arguments.object("metadata") ?? ToolArguments([:])
            let mediaID = arguments.string("mediaId")
            func need<T>(_ value: T?, _ name: String) throws -> T {
                guard let value else { throw ToolInputError("metadata.\(name) is required for action \(action)") }
                return value
            }
            if action != "search", mediaID == nil { throw ToolInputError("mediaId is required for action \(action)") }
            // Check the action's own fields before anything is written (a new item included).
            switch action {
            case "view": _ = try need(metadata.double("duration"), "duration")
            case "rate": _ = try need(metadata.double("rating"), "rating")
            case "skip": _ = try need(metadata.double("skipTime"), "skipTime")
            default: _ = try need(metadata.string("query"), "query")
            }
            var added = false
            if let mediaID, try await !agent.hasCatalogItem(mediaID) {
                guard let title = metadata.string("title") else {
                    throw HiveError(
                        .notFound,
                        "mediaId \(mediaID.prefix(64)) is not in the catalogue; pass metadata.title (and genres) to add it, or import a catalogue with viewer_init config.catalog"
                    )
                }
                try await agent.importCatalog([
                    CatalogItem(
                        id: mediaID, title: title, genres: metadata.strings("genres") ?? [],
                        description: metadata.string("description") ?? "",
                        popularity: metadata.double("popularity") ?? 0)
                ])
                added = true
            }
            switch action {
            case "view":
                try await agent.trackView(
                    mediaId: mediaID ?? "", duration: try need(metadata.double("duration"), "duration"),
                    completed: metadata.bool("completed") ?? false)
            case "rate":
                try await agent.trackRating(
                    mediaId: mediaID ?? "", rating: try need(metadata.double("rating"), "rating"))
            case "skip":
                try await agent.trackSkip(
                    mediaId: mediaID ?? "", skipTime: try need(metadata.double("skipTime"), "skipTime"))
            default:
                try await agent.trackSearch(
                    query: try need(metadata.string("query"), "query"), results: metadata.strings("results") ?? [],
                    selected: mediaID)
            }
            let stats = try await agent.stats()
            return TrackResult(
                action: action, mediaId: mediaID, addedToCatalog: added, events: stats.events,
                unlearnedEvents: stats.unlearnedEvents)
        }
    }

    // MARK: viewer_get_recommendations

    struct RecommendationsResult: Codable, Sendable {
        /// Patterns created or reinforced by learning from the events tracked since the last call.
        var learnedPatterns: Int
        var recommendations: [Recommendation]
    }

    static func recommendations(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "viewer_get_recommendations",
            description:
                "Learn from the behaviour tracked since the last call, then rank the catalogue for the viewer: each item with its blended score (personal model, content, learned patterns, popularity) and the reason.",
            input: .arguments([
                .init(
                    "context",
                    .object(
                        "What the viewer is in the mood for.",
                        fields: [
                            .init("genre", .string("A genre.", maxBytes: Validation.Limit.tag)),
                            .init("mood", .string("A mood, e.g. relaxed.", maxBytes: Validation.Limit.tag)),
                            .init("timeOfDay", .string("e.g. evening.", maxBytes: Validation.Limit.tag)),
                        ])),
                .init("k", kSchema),
                .init(
                    "filters",
                    .object(
                        "Which items may be recommended.",
                        fields: [
                            .init(
                                "excludeSeen", .boolean("Leave out what the viewer watched or rated (default true).")),
                            .init(
                                "genres",
                                .array(
                                    "Only items with one of these genres.",
                                    items: .string("A genre.", maxBytes: Validation.Limit.tag),
                                    maxItems: Validation.Limit.tags)),
                            .init(
                                "excludeIds",
                                .array(
                                    "Never these items.", items: .string("A media id.", maxBytes: Validation.Limit.id),
                                    maxItems: 10_000)),
                        ])),
            ]),
            annotations: .init(
                title: "Recommend", readOnlyHint: false, destructiveHint: false, idempotentHint: false,
                openWorldHint: false)
        ) { arguments, _ in
            let agent = try await session.requireAgent(for: "viewer_get_recommendations")
            let context = arguments.object("context") ?? ToolArguments([:])
            let filters = arguments.object("filters") ?? ToolArguments([:])
            let learned = try await agent.learnFromSession()
            let ranked = try await agent.getRecommendations(
                context: RecommendationContext(
                    genre: context.string("genre"), mood: context.string("mood"), timeOfDay: context.string("timeOfDay")
                ),
                k: arguments.int("k") ?? 10,
                filters: RecommendationFilters(
                    excludeSeen: filters.bool("excludeSeen") ?? true, genres: Set(filters.strings("genres") ?? []),
                    excludeIDs: Set(filters.strings("excludeIds") ?? [])))
            return RecommendationsResult(learnedPatterns: learned.count, recommendations: ranked)
        }
    }

    // MARK: viewer_sync

    struct SyncResult: Codable, Sendable {
        /// True when the last sync was more recent than the configured interval and `force` was not set.
        var skipped: Bool
        var reason: String?
        var learnedPatterns: Int
        /// The hub key pinned on this first sync (trust on first use), if it happened now.
        var pinnedHubKey: String?
        var report: SyncReport?
    }

    static func sync(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "viewer_sync",
            description:
                "Learn from new behaviour, then run one Omega Sync round with the hub (push signed patterns and updates, pull consolidated knowledge). Skipped when the last sync is younger than syncIntervalMs unless force is true. Sends progress notifications.",
            input: .arguments([.init("force", .boolean("Sync even if the last sync was recent (default false)."))]),
            annotations: .init(
                title: "Sync with the hub", readOnlyHint: false, destructiveHint: false, idempotentHint: false,
                openWorldHint: true)
        ) { arguments, context in
            let agent = try await session.requireAgent(for: "viewer_sync")
            let force = arguments.bool("force") ?? false
            let state = try SyncState.load(from: agent.store)
            let interval = agent.configuration.syncIntervalMs
            if !force, let last = state.lastSyncMs {
                let age = Int64(clamping: agent.offset.deviceMs) - last
                if age >= 0, age < interval {
                    return SyncResult(
                        skipped: true,
                        reason:
                            "last sync \(age) ms ago, under the \(interval) ms interval; pass force: true to sync now",
                        learnedPatterns: 0, pinnedHubKey: nil, report: nil)
                }
            }
            await context.progress(0, total: 3, "learning from tracked behaviour")
            let learned = try await agent.learnFromSession()
            var pinned: String?
            if state.hubKeyHex == nil {
                await context.progress(1, total: 3, "pinning the hub's key (first sync)")
                pinned = try await agent.pinHub()
            }
            await context.progress(2, total: 3, "syncing with the hub")
            let report = try await agent.syncWithCore()
            await context.progress(
                3, total: 3, "sync complete: \(report.accepted) accepted, \(report.patternsPulled) patterns pulled")
            return SyncResult(
                skipped: false, reason: nil, learnedPatterns: learned.count, pinnedHubKey: pinned, report: report)
        }
    }

    // MARK: viewer_stats, viewer_export_patterns

    static func stats(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "viewer_stats",
            description: "Counts: catalogue, events, episodes, patterns, synced knowledge, outbox, sync state.",
            input: .arguments([]),
            annotations: .init(title: "Twin statistics", readOnlyHint: true, openWorldHint: false)
        ) { _, _ in
            try await session.requireAgent(for: "viewer_stats").stats()
        }
    }

    struct PatternsResult: Codable, Sendable {
        var minQuality: Double
        var patterns: [Pattern]
    }

    static func exportPatterns(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "viewer_export_patterns",
            description:
                "The twin's local patterns with success rate at or above minQuality (default: the twin's threshold, 0.7).",
            input: .arguments([.init("minQuality", .number("Least posterior success rate α/(α+β).", range: 0...1))]),
            annotations: .init(title: "Export patterns", readOnlyHint: true, openWorldHint: false)
        ) { arguments, _ in
            let agent = try await session.requireAgent(for: "viewer_export_patterns")
            let minQuality = arguments.double("minQuality") ?? agent.configuration.minQualityThreshold
            return PatternsResult(
                minQuality: minQuality, patterns: try await agent.exportPatterns(minQuality: minQuality))
        }
    }

    // MARK: Reflexion memory

    static func reflexionStore(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "reflexion_store",
            description:
                "Store an episode (an attempt at a task, its outcome and a self-critique) in the twin's reflexion memory. input, output and critique are encrypted at rest.",
            input: .arguments([
                .init(
                    "task", .string("What was attempted, e.g. media_selection.", maxBytes: Validation.Limit.shortText),
                    required: true),
                .init(
                    "input", .string("What the agent saw.", maxBytes: Episode.Limits.textBytes, nonEmpty: false),
                    required: true),
                .init(
                    "output", .string("What it did.", maxBytes: Episode.Limits.textBytes, nonEmpty: false),
                    required: true),
                .init("reward", .number("Reward in [0, 1].", range: 0...1), required: true),
                .init("success", .boolean("Whether it worked."), required: true),
                .init("critique", .string("Self-critique.", maxBytes: Episode.Limits.textBytes, nonEmpty: false)),
                .init("sessionId", .string("Session id (default: this twin session).", maxBytes: Validation.Limit.id)),
                .init("latencyMs", .number("How long it took, ms.", range: 0...(86_400_000.0 * 365))),
                .init(
                    "tags",
                    .array(
                        "Tags.", items: .string("A tag.", maxBytes: Validation.Limit.tag),
                        maxItems: Validation.Limit.tags)),
            ]),
            annotations: .init(
                title: "Store an episode", readOnlyHint: false, destructiveHint: false, idempotentHint: false,
                openWorldHint: false)
        ) { arguments, _ in
            let agent = try await session.requireAgent(for: "reflexion_store")
            return try agent.memory.storeEpisode(
                EpisodeDraft(
                    sessionID: arguments.string("sessionId") ?? "mcp-\(agent.store.twinID.prefix(16))",
                    task: try arguments.require("task"),
                    input: arguments.string("input") ?? "", output: arguments.string("output") ?? "",
                    reward: arguments.double("reward") ?? 0, success: arguments.bool("success") ?? false,
                    critique: arguments.string("critique") ?? "", latencyMs: arguments.double("latencyMs") ?? 0,
                    tags: arguments.strings("tags") ?? []))
        }
    }

    struct EpisodesResult: Codable, Sendable {
        struct Match: Codable, Sendable {
            var episode: Episode
            var similarity: Float
        }
        var matches: [Match]
        /// Critiques of failures on similar tasks, newest first (when includeCritiques).
        var critiques: [String]?
    }

    static func reflexionRetrieve(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "reflexion_retrieve",
            description:
                "Episodes for tasks similar to task: most similar first, then higher reward, then newer; optionally the critiques of similar failures.",
            input: .arguments([
                .init(
                    "task", .string("The task to find similar episodes for.", maxBytes: Validation.Limit.shortText),
                    required: true),
                .init("k", kSchema),
                .init("minReward", .number("Only episodes with at least this reward.", range: 0...1)),
                .init(
                    "outcome",
                    .string("successes, failures or any (default).", oneOf: ["any", "successes", "failures"])),
                .init("includeCritiques", .boolean("Also return critiques of similar failures (default false).")),
            ]),
            annotations: .init(title: "Retrieve episodes", readOnlyHint: true, openWorldHint: false)
        ) { arguments, _ in
            let agent = try await session.requireAgent(for: "reflexion_retrieve")
            let task = try arguments.require("task")
            let outcome: EpisodeOutcome =
                switch arguments.string("outcome") {
                case "successes": .successes
                case "failures": .failures
                default: .any
                }
            let matches = try agent.memory.retrieveRelevant(
                task: task, k: arguments.int("k") ?? 10, minReward: arguments.double("minReward"), outcome: outcome)
            let critiques =
                arguments.bool("includeCritiques") == true ? try agent.memory.critiqueSummary(task: task) : nil
            return EpisodesResult(
                matches: matches.map { .init(episode: $0.episode, similarity: $0.similarity) }, critiques: critiques)
        }
    }

    // MARK: Skills

    static func skillCreate(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "skill_create",
            description:
                "Create a skill, or a new version of it when the description changed (the old version stays readable). The same description again returns the current version.",
            input: .arguments([
                .init("name", .string("Unique skill name.", maxBytes: Validation.Limit.shortText), required: true),
                .init(
                    "description", .string("What the skill does and how.", maxBytes: Validation.Limit.text),
                    required: true),
                .init(
                    "sourceEpisodeIds",
                    .array(
                        "Episodes it was distilled from.",
                        items: .string("An episode id.", maxBytes: Validation.Limit.id), maxItems: 10_000)),
            ]),
            annotations: .init(
                title: "Create a skill", readOnlyHint: false, destructiveHint: false, idempotentHint: true,
                openWorldHint: false)
        ) { arguments, _ in
            let agent = try await session.requireAgent(for: "skill_create")
            return try agent.skills.upsert(
                name: try arguments.require("name"), description: try arguments.require("description"),
                sourceEpisodeIDs: arguments.strings("sourceEpisodeIds") ?? [])
        }
    }

    struct SkillsResult: Codable, Sendable {
        struct Match: Codable, Sendable {
            var skill: Skill
            var similarity: Float
            var score: Double
        }
        var matches: [Match]
    }

    static func skillSearch(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "skill_search",
            description:
                "The twin's skills closest to query, ranked by 0.6·similarity + 0.2·smoothed success rate + 0.1·use count + 0.1·mean reward.",
            input: .arguments([
                .init("query", .string("What the skill should do.", maxBytes: Validation.Limit.text), required: true),
                .init("k", kSchema),
                .init("minSuccessRate", .number("Only skills with at least this success rate.", range: 0...1)),
            ]),
            annotations: .init(title: "Search skills", readOnlyHint: true, openWorldHint: false)
        ) { arguments, _ in
            let agent = try await session.requireAgent(for: "skill_search")
            let matches = try agent.skills.search(
                query: try arguments.require("query"), k: arguments.int("k") ?? 10,
                minSuccessRate: arguments.double("minSuccessRate"))
            return SkillsResult(
                matches: matches.map { .init(skill: $0.skill, similarity: $0.similarity, score: $0.score) })
        }
    }

    // MARK: Patterns

    static let taskTypes = Pattern.TaskType.allCases.map(\.rawValue)

    static func patternStore(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "pattern_store",
            description:
                "Store a learned pattern (an approach that works, with its evidence) in the twin's reasoning bank. With share: true it is also queued, signed, for the hub's consensus at the next sync.",
            input: .arguments([
                .init(
                    "approach",
                    .string(
                        "The approach in words, e.g. \"Similar to recent 5-star rated content\".",
                        maxBytes: Validation.Limit.text), required: true),
                .init("taskType", .string("Kind of pattern.", oneOf: taskTypes), required: true),
                .init(
                    "tags",
                    .array(
                        "Tags.", items: .string("A tag.", maxBytes: Validation.Limit.tag),
                        maxItems: Validation.Limit.tags)),
                .init(
                    "context",
                    .object(
                        "Where it applies.",
                        fields: [
                            .init(
                                "genres",
                                .array(
                                    "Genres.", items: .string("A genre.", maxBytes: Validation.Limit.tag),
                                    maxItems: Validation.Limit.tags)),
                            .init("mood", .string("Mood.", maxBytes: Validation.Limit.tag)),
                            .init("timeOfDay", .string("Time of day.", maxBytes: Validation.Limit.tag)),
                            .init(
                                "watchHistory",
                                .array(
                                    "Related media ids.", items: .string("A media id.", maxBytes: Validation.Limit.id),
                                    maxItems: 256)),
                        ])),
                .init("successes", .integer("Observed successes so far (default 0).", range: 0...1_000_000_000)),
                .init("failures", .integer("Observed failures so far (default 0).", range: 0...1_000_000_000)),
                .init("share", .boolean("Queue it for the hub (default false: stays on the device).")),
            ]),
            annotations: .init(
                title: "Store a pattern", readOnlyHint: false, destructiveHint: false, idempotentHint: false,
                openWorldHint: false)
        ) { arguments, _ in
            let agent = try await session.requireAgent(for: "pattern_store")
            let context = arguments.object("context") ?? ToolArguments([:])
            guard let taskType = Pattern.TaskType(rawValue: try arguments.require("taskType")) else {
                throw ToolInputError("taskType must be one of \(taskTypes.joined(separator: ", "))")
            }
            let draft = PatternDraft(
                taskType: taskType, approach: try arguments.require("approach"), tags: arguments.strings("tags") ?? [],
                context: Pattern.Context(
                    genres: context.strings("genres") ?? [], mood: context.string("mood"),
                    timeOfDay: context.string("timeOfDay"),
                    watchHistory: context.strings("watchHistory") ?? []),
                alpha: Double(arguments.int("successes") ?? 0) + 1, beta: Double(arguments.int("failures") ?? 0) + 1)
            return try await agent.storePattern(draft, share: arguments.bool("share") ?? false)
        }
    }

    struct PatternMatchesResult: Codable, Sendable {
        struct Match: Codable, Sendable {
            var pattern: Pattern
            var similarity: Float
        }
        var matches: [Match]
    }

    static func patternSearch(_ session: TwinSession) -> MCPTool {
        MCPTool(
            name: "pattern_search",
            description:
                "The twin's patterns whose approach is closest to query, optionally filtered by success rate, task type, tags and origin.",
            input: .arguments([
                .init("query", .string("What to look for.", maxBytes: Validation.Limit.text), required: true),
                .init("k", kSchema),
                .init("minSuccessRate", .number("Least posterior success rate.", range: 0...1)),
                .init("taskType", .string("Only this kind.", oneOf: taskTypes)),
                .init(
                    "tags",
                    .array(
                        "Only patterns with all of these tags.",
                        items: .string("A tag.", maxBytes: Validation.Limit.tag), maxItems: Validation.Limit.tags)),
                .init("origin", .string("local (learned here) or global (from the hub).", oneOf: ["local", "global"])),
            ]),
            annotations: .init(title: "Search patterns", readOnlyHint: true, openWorldHint: false)
        ) { arguments, _ in
            let agent = try await session.requireAgent(for: "pattern_search")
            let filter = PatternFilter(
                minSuccessRate: arguments.double("minSuccessRate"),
                taskType: arguments.string("taskType").flatMap(Pattern.TaskType.init),
                tags: arguments.strings("tags") ?? [], origin: arguments.string("origin").flatMap(Pattern.Origin.init))
            let matches = try await agent.searchPatterns(
                query: try arguments.require("query"), k: arguments.int("k") ?? 10, filter: filter)
            return PatternMatchesResult(matches: matches.map { .init(pattern: $0.pattern, similarity: $0.similarity) })
        }
    }
}
