import Foundation
import HiveCore
import HiveEvaluation
import HiveLearning

extension RecsysBench {
    /// Largest accepted |HR@10| or |NDCG@10| gap between a system run in process and through the
    /// hub. The two runs do the same arithmetic on the same data from the same initial model, but
    /// the hub meets the twins' updates ordered by hub twin id (a hash of user and key) instead of
    /// by user index, so the per-item sums add the same Float values in another order; a last-bit
    /// difference can move a tied or near-tied ranking for a user or two. 0.005 is ~5 of 943
    /// ML-100K users; the measured gap and the largest factor difference are reported beside it.
    static let httpTolerance = 0.005

    /// Adds the HTTP runs' figures beside the in-process ones and checks they agree.
    func reportHTTP(
        _ runs: [RecsysHTTPFederation.Outcome],
        inProcess: [(FederatedSimulation.Outcome, EvaluationResult)],
        split: LeaveOneOutSplit, rounds: Int, into report: inout BenchReport, failures: inout [String]
    ) throws {
        for ((name, run), (local, localResult)) in zip(zip(["federated_mean", "federated_robust"], runs), inProcess) {
            let result = RecommenderEvaluation.evaluate(FactorModelScorer(model: run.model, users: run.users), on: split)
            report.add(BenchMetric("http_\(name)_hr@10", result.hitRate10, unit: "HR", anchor: "same system in process", anchorValue: localResult.hitRate10))
            report.add(BenchMetric("http_\(name)_ndcg@10", result.ndcg10, unit: "NDCG", anchor: "same system in process", anchorValue: localResult.ndcg10))
            let gapHR = abs(result.hitRate10 - localResult.hitRate10), gapNDCG = abs(result.ndcg10 - localResult.ndcg10)
            report.add(BenchMetric("http_\(name)_hr@10_gap", gapHR, unit: "HR", target: Self.httpTolerance, lowerIsBetter: true))
            report.add(BenchMetric("http_\(name)_ndcg@10_gap", gapNDCG, unit: "NDCG", target: Self.httpTolerance, lowerIsBetter: true))
            var maxDiff: Float = 0
            if run.model.factors.count == local.model.factors.count {
                for (a, b) in zip(run.model.factors, local.model.factors) { maxDiff = max(maxDiff, abs(a - b)) }
            } else {
                failures.append("\(name): the hub's model has \(run.model.factors.count) factors, in process \(local.model.factors.count)")
            }
            report.add(BenchMetric("http_\(name)_max_factor_diff", Double(maxDiff), unit: "abs"))
            let sorted = run.roundSeconds.sorted()
            let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            report.add(BenchMetric("http_\(name)_round_time_median", median, unit: "s", lowerIsBetter: true))
            report.add(BenchMetric("http_\(name)_cpu_time", run.cpuSeconds, unit: "s"))
            report.params["http_\(name)_engine"] = run.engineName
            if gapHR > Self.httpTolerance || gapNDCG > Self.httpTolerance {
                failures.append(
                    "\(name) over HTTP disagrees with in process: HR@10 \(result.hitRate10) vs \(localResult.hitRate10), NDCG@10 \(result.ndcg10) vs \(localResult.ndcg10) (tolerance \(Self.httpTolerance))")
            }
            if run.roundsChecked != rounds || run.updatesAccepted != rounds * split.tests.count {
                failures.append("\(name) over HTTP: \(run.roundsChecked) of \(rounds) rounds checked, \(run.updatesAccepted) updates accepted")
            }
        }
        report.params["http"] = "one hub on loopback per system (SQLite, own keys, \(split.tests.count) registered twins); per round: signed POST /api/v1/updates/one per twin → POST /api/v1/aggregate → signed GET /api/v1/model per twin"
    }
}
