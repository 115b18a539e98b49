import ArgumentParser
import Foundation
import HiveCore
import HiveEvaluation

/// `hive bench recsys`: federated learning on MovieLens against centralised baselines, under attack.
struct RecsysBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recsys",
        abstract: "Leave-one-out HR@10/NDCG@10 (99 negatives) and full-ranking Recall@20/NDCG@20 on MovieLens."
    )

    @OptionGroup var options: BenchOptions

    @Option(help: "Directory with MovieLens files (ML-100K u.data/u.item or ML-1M ratings.dat/movies.dat).")
    var data: String = "../shared/data/ml-100k"

    @Option(help: "Seed for negative sampling, initialisation and attacker choice.")
    var seed: UInt64 = 20_171_111

    func run() async throws {
        let started = ContinuousClock.now
        let dataset = try MovieLens.load(directory: data)
        let split = try LeaveOneOutSplit(dataset, negativeCount: 99, seed: seed)
        var report = BenchReport(bench: "recsys", params: [
            "dataset": dataset.name, "users": String(split.tests.count), "items": String(dataset.itemCount),
            "interactions": String(dataset.interactions.count), "skipped_users": String(split.skippedUsers),
            "seed": String(seed), "protocol": "leave-one-out, 99 negatives, pessimistic ties",
        ])
        print("loaded \(dataset.name): \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactions.count) interactions; \(split.skippedUsers) users skipped (< 2 interactions)")
        print(BenchReport.header)

        let popularity = ItemPopularity(train: split.train, itemCount: split.itemCount)
        let pop = RecommenderEvaluation.evaluate(popularity, on: split)
        report.addEvaluation(system: "itempop", pop)

        let elapsed = ContinuousClock.now - started
        report.add(BenchMetric("wall_time", Double(elapsed.components.seconds), unit: "s", target: options.quick ? 60 : 600, lowerIsBetter: true))
        if let json = options.json { try report.write(to: json) }
    }
}

extension BenchReport {
    /// Adds the four ranking figures of one system.
    mutating func addEvaluation(system: String, _ result: EvaluationResult, anchor: (name: String, result: EvaluationResult)? = nil, targetHR: Double? = nil) {
        add(BenchMetric("\(system)_hr@10", result.hitRate10, unit: "", anchor: anchor?.name ?? "-", anchorValue: anchor?.result.hitRate10, target: targetHR))
        add(BenchMetric("\(system)_ndcg@10", result.ndcg10, unit: ""))
        add(BenchMetric("\(system)_recall@20", result.recall20, unit: ""))
        add(BenchMetric("\(system)_ndcg@20", result.ndcg20, unit: ""))
    }
}
