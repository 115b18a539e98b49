import Foundation
import HiveCore
import HiveLearning

/// Everything `hive serve` can be told, with the defaults that make it start in an empty
/// directory with no set-up. Loaded from a JSON file (`--config hive.json`), every key
/// optional; command-line flags override the file.
public struct HubConfiguration: Sendable, Hashable, Codable {
    /// Address to bind (default loopback: exposing the hub is an explicit choice).
    public var host: String = "127.0.0.1"
    public var port: Int = 8433
    /// Directory for the hub key, the admin token and the SQLite database.
    public var dataDirectory: String = "./.hive"
    /// `postgres://user[:password]@host[:port]/database`; SQLite under `dataDirectory` when absent.
    public var databaseURL: String?
    /// PEM certificate chain and key: TLS 1.3 with HTTP/2 (ALPN h2, http/1.1) when both are set.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// A fixed admin token (otherwise generated at first start into `<data>/admin.token`).
    public var adminToken: String?

    /// Largest request body, bytes (413 above it).
    public var maxBodyBytes: Int = 1 << 20
    /// Requests per minute per twin (and per address for unauthenticated routes).
    public var rateLimitPerMinute: Int = 60
    /// Access-token lifetime, seconds (at most 15 minutes).
    public var tokenTTLSeconds: Int = 900
    /// Registration challenge lifetime, seconds.
    public var challengeTTLSeconds: Int = 120
    /// Largest lead of an envelope's HLC stamp over the hub clock, ms.
    public var maxClockDriftMs: Int64 = 5 * 60 * 1000
    /// Aggregation round period, ms (0 disables scheduled rounds; `POST /aggregate` still works).
    public var aggregationIntervalMs: Int64 = 300_000
    /// Reputation below which an instance may not publish skills.
    public var trustThreshold: Double = 0.2
    /// Smallest lexical/semantic score a skill must reach to be returned by `GET /skills`.
    public var skillMatchThreshold: Double = 0.1
    /// Safety-net re-read of the feed by a caught-up SSE stream, ms. Streams are woken at once by
    /// the store's feed signal (commit observer on SQLite, LISTEN/NOTIFY on PostgreSQL).
    public var eventPollIntervalMs: Int = 5000
    /// Who may read `/api/v1/dashboard/summary`: the admin token (default) or anyone (aggregates only).
    public var dashboard: DashboardAccess = .token
    /// The robust rule fusing model updates, as `/stats` prints it (see ``AggregationRule/textForms``):
    /// default each twin's update bounded at the round's median update norm (docs/hub.md says why).
    public var aggregationRule: String = "median-norm-bounding(1.0)"
    /// How a row's senders combine: `sum` (default; what sequential SGD would add) or `mean`.
    public var rowCombination: String = "sum"
    /// Whether reputation also scores each twin's agreement with the fused update (default true).
    public var agreementReputation: Bool = true
    /// Reputation EMA retention, the weight of a twin's old score, in [0, 1) (default 0.5).
    public var reputationRetention: Double = 0.5
    /// Items in the global recommendation model (twins send item indices `0..<modelItems`); at
    /// most ``LearningEngineConfiguration/maxItems``, and modelItems × (modelRank + 1) at most
    /// ``LearningEngineConfiguration/maxValues`` floats.
    public var modelItems: Int = 10_000
    /// Factor rank of the global model (stored rows are `modelRank + 1` floats).
    public var modelRank: Int = 16
    /// The model's round kind: `bpr` (default; twins send row deltas that are fused and added) or
    /// `als` (federated weighted ALS: twins send factored statistics, the round solves every item
    /// exactly; modelRank ≤ 43).
    public var modelKind: String = "bpr"
    /// ALS λ and α (used when ``modelKind`` is `als`).
    public var alsRegularization: Double = 5
    public var alsAlpha: Double = 10
    /// When set, the first round publishes `ItemFactorModel(itemCount:rank:seed:)` as version 1
    /// (needed by ALS, which cannot start from zero factors).
    public var modelSeed: UInt64?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case host, port, dataDirectory, databaseURL, tlsCertificatePath, tlsKeyPath, adminToken, maxBodyBytes
        case rateLimitPerMinute, tokenTTLSeconds, challengeTTLSeconds, maxClockDriftMs, aggregationIntervalMs
        case trustThreshold, skillMatchThreshold, eventPollIntervalMs
        case dashboard, aggregationRule, modelItems, modelRank
        case rowCombination, agreementReputation, reputationRetention
        case modelKind, alsRegularization, alsAlpha, modelSeed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HubConfiguration.defaults
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory) ?? d.dataDirectory
        databaseURL = try c.decodeIfPresent(String.self, forKey: .databaseURL)
        tlsCertificatePath = try c.decodeIfPresent(String.self, forKey: .tlsCertificatePath)
        tlsKeyPath = try c.decodeIfPresent(String.self, forKey: .tlsKeyPath)
        adminToken = try c.decodeIfPresent(String.self, forKey: .adminToken)
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? d.maxBodyBytes
        rateLimitPerMinute = try c.decodeIfPresent(Int.self, forKey: .rateLimitPerMinute) ?? d.rateLimitPerMinute
        tokenTTLSeconds = try c.decodeIfPresent(Int.self, forKey: .tokenTTLSeconds) ?? d.tokenTTLSeconds
        challengeTTLSeconds = try c.decodeIfPresent(Int.self, forKey: .challengeTTLSeconds) ?? d.challengeTTLSeconds
        maxClockDriftMs = try c.decodeIfPresent(Int64.self, forKey: .maxClockDriftMs) ?? d.maxClockDriftMs
        aggregationIntervalMs = try c.decodeIfPresent(Int64.self, forKey: .aggregationIntervalMs) ?? d.aggregationIntervalMs
        trustThreshold = try c.decodeIfPresent(Double.self, forKey: .trustThreshold) ?? d.trustThreshold
        skillMatchThreshold = try c.decodeIfPresent(Double.self, forKey: .skillMatchThreshold) ?? d.skillMatchThreshold
        eventPollIntervalMs = try c.decodeIfPresent(Int.self, forKey: .eventPollIntervalMs) ?? d.eventPollIntervalMs
        dashboard = try c.decodeIfPresent(DashboardAccess.self, forKey: .dashboard) ?? d.dashboard
        aggregationRule = try c.decodeIfPresent(String.self, forKey: .aggregationRule) ?? d.aggregationRule
        modelItems = try c.decodeIfPresent(Int.self, forKey: .modelItems) ?? d.modelItems
        modelRank = try c.decodeIfPresent(Int.self, forKey: .modelRank) ?? d.modelRank
        rowCombination = try c.decodeIfPresent(String.self, forKey: .rowCombination) ?? d.rowCombination
        agreementReputation = try c.decodeIfPresent(Bool.self, forKey: .agreementReputation) ?? d.agreementReputation
        reputationRetention = try c.decodeIfPresent(Double.self, forKey: .reputationRetention) ?? d.reputationRetention
        modelKind = try c.decodeIfPresent(String.self, forKey: .modelKind) ?? d.modelKind
        alsRegularization = try c.decodeIfPresent(Double.self, forKey: .alsRegularization) ?? d.alsRegularization
        alsAlpha = try c.decodeIfPresent(Double.self, forKey: .alsAlpha) ?? d.alsAlpha
        modelSeed = try c.decodeIfPresent(UInt64.self, forKey: .modelSeed)
    }

    static let defaults = HubConfiguration()

    /// Loads a JSON configuration file; errors name the file and field.
    public static func load(path: String) throws -> HubConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HiveError(.notFound, "cannot read configuration file \(path)")
        }
        let configuration: HubConfiguration
        do {
            configuration = try HiveJSON.decode(HubConfiguration.self, from: data)
        } catch let error as HiveError {
            throw HiveError(.invalidInput, "\(path): \(error.message)")
        }
        try configuration.validate()
        return configuration
    }

    /// Checks ranges; the error names the setting.
    public func validate() throws {
        guard (0...65535).contains(port) else { throw HiveError(.invalidInput, "port must be 0–65535, got \(port)") }
        guard !host.isEmpty else { throw HiveError(.invalidInput, "host must not be empty") }
        guard maxBodyBytes >= 1024 else { throw HiveError(.invalidInput, "maxBodyBytes must be ≥ 1024") }
        guard rateLimitPerMinute >= 1 else { throw HiveError(.invalidInput, "rateLimitPerMinute must be ≥ 1") }
        guard (1...900).contains(tokenTTLSeconds) else {
            throw HiveError(.invalidInput, "tokenTTLSeconds must be 1–900 (tokens live at most 15 minutes)")
        }
        guard (1...3600).contains(challengeTTLSeconds) else {
            throw HiveError(.invalidInput, "challengeTTLSeconds must be 1–3600")
        }
        guard maxClockDriftMs >= 0 else { throw HiveError(.invalidInput, "maxClockDriftMs must be ≥ 0") }
        guard aggregationIntervalMs >= 0 else { throw HiveError(.invalidInput, "aggregationIntervalMs must be ≥ 0") }
        try Validation.check(trustThreshold, in: 0...1, field: "trustThreshold")
        try Validation.check(skillMatchThreshold, in: 0...1, field: "skillMatchThreshold")
        guard eventPollIntervalMs >= 10 else { throw HiveError(.invalidInput, "eventPollIntervalMs must be ≥ 10") }
        if (tlsCertificatePath == nil) != (tlsKeyPath == nil) {
            throw HiveError(.invalidInput, "tlsCertificatePath and tlsKeyPath must be given together")
        }
        if let adminToken, adminToken.utf8.count < 32 {
            throw HiveError(.invalidInput, "adminToken must be at least 32 characters")
        }
        _ = try learningConfiguration()
    }

    /// The aggregation engine's parameters from ``aggregationRule``, ``rowCombination``,
    /// ``agreementReputation``, ``reputationRetention``, ``modelItems`` and ``modelRank`` (the
    /// engine's defaults for the rest); errors name the setting.
    public func learningConfiguration() throws -> LearningEngineConfiguration {
        let rule: AggregationRule
        do {
            rule = try AggregationRule(text: aggregationRule)
        } catch let error as HiveError {
            throw HiveError(.invalidInput, "aggregationRule: \(error.message)")
        }
        guard let combination = RowCombination(rawValue: rowCombination) else {
            throw HiveError(.invalidInput, "rowCombination must be sum or mean, got \"\(rowCombination.prefix(32))\"")
        }
        let reputation: ReputationConfiguration
        do {
            reputation = try ReputationConfiguration(retention: reputationRetention)
        } catch let error as HiveError {
            throw HiveError(.invalidInput, "reputationRetention: \(error.message)")
        }
        let limit = LearningEngineConfiguration.maxItems
        guard (1...limit).contains(modelItems) else {
            throw HiveError(
                .invalidInput,
                "modelItems must be in 1…\(limit) (a first pull carries the whole model, at most \(limit) rows), got \(modelItems)")
        }
        let maxRank = min(ModelUpdate.maxRank, ModelRowsDelta.maxDimension - 1)
        guard (1...maxRank).contains(modelRank) else {
            throw HiveError(.invalidInput, "modelRank must be in 1…\(maxRank), got \(modelRank)")
        }
        let values = modelItems * (modelRank + 1)
        guard values <= LearningEngineConfiguration.maxValues else {
            throw HiveError(
                .invalidInput,
                "modelItems × (modelRank + 1) = \(modelItems) × \(modelRank + 1) = \(values) floats exceeds the hub model's memory bound of \(LearningEngineConfiguration.maxValues) floats (16 MiB); lower modelItems or modelRank"
            )
        }
        var als: WALSConfiguration?
        switch modelKind {
        case "bpr": als = nil
        case "als":
            // ALS cannot start from zero factors (every user solve would be 0, which no twin may send).
            guard modelSeed != nil else {
                throw HiveError(.invalidInput, "modelKind als needs modelSeed (the first round publishes the seeded initial model)")
            }
            do {
                als = try WALSConfiguration(regularization: alsRegularization, alpha: alsAlpha)
            } catch let error as HiveError {
                throw HiveError(.invalidInput, "alsRegularization/alsAlpha: \(error.message)")
            }
        default: throw HiveError(.invalidInput, "modelKind must be bpr or als, got \"\(modelKind.prefix(32))\"")
        }
        return try LearningEngineConfiguration(
            itemCount: modelItems, rank: modelRank, rule: rule, combination: combination,
            scoresAgreement: agreementReputation, reputation: reputation, als: als, initialSeed: modelSeed)
    }
}
