import Foundation
import HiveCore
import HiveLearning
import Testing

@testable import HiveHub

/// The robust rule and model shape as `hive serve` flags / hive.json keys (issue 8).
@Suite("Hub engine configuration: rule and model shape")
struct EngineConfigurationTests {
    @Test("every rule's text form parses back to the same rule")
    func roundTrip() throws {
        let rules: [AggregationRule] = [
            .weightedMean, .median, .trimmedMean(beta: 0.1), .krum(byzantine: 0.2), .multiKrum(byzantine: 0.25),
            .centeredClipping(radius: nil, iterations: 3), .centeredClipping(radius: 0.5, iterations: 10),
            .normBounding(maxNorm: 1), .normBounding(maxNorm: 2.5), .medianNormBounding(multiple: 1),
            .medianNormBounding(multiple: 1.5),
        ]
        for rule in rules {
            #expect(try AggregationRule(text: rule.text) == rule, "\(rule.text)")
        }
        #expect(try AggregationRule(text: " Norm-Bounding( 0.5 ) ") == .normBounding(maxNorm: 0.5))
        #expect(try AggregationRule(text: "mean") == .weightedMean)
    }

    @Test("bad rules are refused with a message that says what was expected")
    func badRules() {
        let cases: [(String, String)] = [
            ("krum(0.7)", "Byzantine fraction"),
            ("trimmed-mean(0.5)", "β"),
            ("norm-bounding(-1)", "norm bound"),
            ("norm-bounding(nan)", "norm bound"),
            ("norm-bounding(x)", "norm-bounding(1.0)"),
            ("trimmed-mean", "takes 1 argument"),
            ("median(1)", "takes no arguments"),
            ("centered-clipping(median)", "takes 2 arguments"),
            ("centered-clipping(median,0)", "iterations"),
            ("centered-clipping(median,two)", "integer"),
            ("fedprox", "expected one of"),
            ("krum(0.2", "name(arguments)"),
            ("", "unknown aggregation rule"),
        ]
        for (text, expected) in cases {
            #expect {
                try AggregationRule(text: text)
            } throws: { error in
                guard let error = error as? HiveError, error.code == .invalidInput else { return false }
                return error.message.contains(expected)
            }
        }
    }

    @Test("hive.json sets rule and shape; bad values name the setting; defaults stay HiveLearning's")
    func configurationFile() throws {
        let defaults = try HubConfiguration().learningConfiguration()
        #expect(defaults.rule == .medianNormBounding(multiple: 1) && defaults.itemCount == 10_000 && defaults.rank == 16)

        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func load(_ json: String) throws -> HubConfiguration {
            let path = directory + "/hive-\(UUID().uuidString).json"
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            return try HubConfiguration.load(path: path)
        }
        let loaded = try load(#"{"aggregationRule": "trimmed-mean(0.2)", "modelItems": 1682, "modelRank": 8}"#)
        let learning = try loaded.learningConfiguration()
        #expect(learning.rule == .trimmedMean(beta: 0.2) && learning.itemCount == 1682 && learning.rank == 8)
        for (json, setting) in [
            (#"{"aggregationRule": "krum(0.9)"}"#, "aggregationRule"),
            (#"{"aggregationRule": "best"}"#, "aggregationRule"),
            (#"{"modelItems": 0}"#, "modelItems"),
            (#"{"modelItems": 100000000}"#, "modelItems"),
            (#"{"modelItems": 50001}"#, "modelItems"),
            (#"{"modelItems": 50000, "modelRank": 128}"#, "memory bound"),
            (#"{"rowCombination": "max"}"#, "rowCombination"),
            (#"{"reputationRetention": -0.1}"#, "reputationRetention"),
            (#"{"modelRank": 0}"#, "modelRank"),
            (#"{"modelRank": 100000}"#, "modelRank"),
            (#"{"modelRank": "eight"}"#, "modelRank"),
        ] {
            #expect {
                try load(json)
            } throws: { ($0 as? HiveError)?.message.contains(setting) == true }
        }
    }

    @Test("/stats reports the rule and model shape the engine runs with")
    func statsReport() async throws {
        var configuration = HubConfiguration()
        configuration.aggregationRule = "multi-krum(0.25)"
        configuration.modelItems = 50
        configuration.modelRank = 4
        let engine = try LearningAggregationEngine(configuration: try configuration.learningConfiguration())
        let clock = TestClock()
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock, engine: engine)
            try await Fixture.application(core: core).test(.router) { client in
                let hub = HubClient(client: client)
                let stats = try hub.decode(
                    HubAPI.Stats.self, try await hub.send(.get, "/api/v1/stats", token: Fixture.adminSecret))
                #expect(stats.aggregation.rule == "multi-krum(0.25)")
                #expect(stats.aggregation.model?.items == 50 && stats.aggregation.model?.rank == 4)
                #expect(stats.aggregation.engine?.hasPrefix("multi-krum(0.25)/sum+agreement+consensus") == true)
                #expect(stats.aggregation.combination == "sum" && stats.aggregation.agreementReputation == true)
                #expect(stats.aggregation.reputationRetention == 0.5)
                // The engine enforces the configured shape at push time: rank 16 and item 60 do not fit.
                let wrongRank = try ModelUpdate(
                    twinID: "t", baseVersion: 0, rank: 16,
                    rows: [RowUpdate(item: 1, factors: [Float](repeating: 0.1, count: 16), bias: 0)],
                    interactionCount: 1)
                #expect(throws: HiveError.self) {
                    try engine.validateModelUpdate(Array(try HiveJSON.encode(wrongRank)))
                }
                let beyond = try ModelUpdate(
                    twinID: "t", baseVersion: 0, rank: 4,
                    rows: [RowUpdate(item: 60, factors: [0.1, 0, 0, 0], bias: 0)],
                    interactionCount: 1)
                #expect(throws: HiveError.self) { try engine.validateModelUpdate(Array(try HiveJSON.encode(beyond))) }
                let fits = try ModelUpdate(
                    twinID: "t", baseVersion: 0, rank: 4,
                    rows: [RowUpdate(item: 49, factors: [0.1, 0, 0, 0], bias: 0)],
                    interactionCount: 1)
                try engine.validateModelUpdate(Array(try HiveJSON.encode(fits)))
            }
        }
    }
}
