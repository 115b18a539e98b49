import ArgumentParser
import Foundation
import HiveCore
import HiveLearning

/// `hive bench aggregate`: HiveLearning's robust aggregation rules against Flower's
/// (`flwr.server.strategy.aggregate`) on the same float32 arrays in the same run, plus the
/// pattern-consensus budget and the sparse hub path.
struct AggregateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract:
            "Robust aggregation (mean, median, trimmed mean, Krum, Multi-Krum) vs Flower; consensus over 10k patterns."
    )

    @OptionGroup var options: BenchOptions

    @Option(help: "Python interpreter with flwr installed (scripts/anchors/requirements.txt).")
    var python = "python3"

    @Option(help: "Timed repetitions per rule (the median is reported).")
    var repeats: Int?

    func run() async throws {
        let n = options.quick ? 30 : 100
        let d = options.quick ? 10_000 : 100_000
        let f = n / 3
        let keep = n - f
        let beta = 0.34
        let repeats = max(1, self.repeats ?? (options.quick ? 3 : 7))
        var report = BenchReport(
            bench: "aggregate",
            params: [
                "n": "\(n)", "d": "\(d)", "threads": "1", "dtype": "float32", "attackers": "\(f) (sign flip ×100)",
                "repeats": "\(repeats)", "trim_beta": "\(beta)",
            ])
        report.printTable()

        // The data: honest updates around a centre, a third sign-flipped ×100.
        var rng = SeededGenerator(seed: 2026)
        let centre = (0..<d).map { _ in Float(rng.nextGaussian()) * 0.01 }
        var values = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            for k in 0..<d { values[i * d + k] = centre[k] + Float(rng.nextGaussian()) * 0.01 }
        }
        let clean = try UpdateMatrix(rows: n, columns: d, values: values)
        let attackers = Set((n - f)..<n)
        let matrix = try AttackSimulator.apply(.signFlip(scale: 100), to: clean, attackers: attackers, using: &rng)
        let weights = (0..<n).map { _ in Double(Int.random(in: 1...20, using: &rng)) }

        // Flower on the same arrays.
        let anchor = try runAnchor(matrix: matrix, weights: weights, f: f, keep: keep, beta: beta, repeats: repeats)
        if let anchor { print("anchor: flwr \(anchor.flwrVersion), numpy \(anchor.numpyVersion)") }

        var failures: [String] = []
        func time(_ body: () throws -> DenseAggregate) rethrows -> (Double, DenseAggregate) {
            var times: [Double] = []
            var last: DenseAggregate?
            for _ in 0..<repeats {
                let start = ContinuousClock.now
                last = try body()
                times.append(Self.seconds(ContinuousClock.now - start))
            }
            return (Self.median(times), last ?? DenseAggregate(vector: [], clients: []))
        }
        func check(_ name: String, _ ours: [Float], tolerance: Double) {
            guard let theirs = anchor?.outputs[name] else { return }
            guard theirs.count == ours.count else {
                failures.append("\(name): Flower returned \(theirs.count) values, we returned \(ours.count)")
                return
            }
            var worst = 0.0
            for (a, b) in zip(ours, theirs) { worst = max(worst, abs(Double(a) - Double(b)) / max(1, abs(Double(b)))) }
            if worst > tolerance {
                failures.append("\(name): differs from Flower by \(worst) (tolerance \(tolerance))")
            }
        }

        let (meanTime, mean) = try time {
            try RobustAggregation.weightedMean(matrix, weights: weights, diagnostics: false)
        }
        check("mean", mean.vector, tolerance: 1e-5)
        report.add(metric("mean_s", meanTime, anchor: anchor?.seconds["mean"], name: "flwr aggregate", target: 1))
        let (medianTime, median) = time { RobustAggregation.median(matrix, diagnostics: false) }
        check("median", median.vector, tolerance: 1e-6)
        report.add(
            metric("median_s", medianTime, anchor: anchor?.seconds["median"], name: "flwr aggregate_median", target: 2))
        let (trimmedTime, trimmed) = try time {
            try RobustAggregation.trimmedMean(matrix, beta: beta, diagnostics: false)
        }
        check("trimmed_mean", trimmed.vector, tolerance: 1e-5)
        report.add(
            metric(
                "trimmed_mean_s", trimmedTime, anchor: anchor?.seconds["trimmed_mean"],
                name: "flwr aggregate_trimmed_avg", target: 2))
        let (krumTime, krum) = try time { try RobustAggregation.krum(matrix, byzantine: f, diagnostics: false) }
        check("krum", krum.vector, tolerance: 0)
        report.add(metric("krum_s", krumTime, anchor: anchor?.seconds["krum"], name: "flwr aggregate_krum", target: 10))
        let (multiTime, multi) = try time {
            try RobustAggregation.krum(matrix, byzantine: f, keep: keep, weights: weights, diagnostics: false)
        }
        check("multi_krum", multi.vector, tolerance: 1e-5)
        report.add(
            metric(
                "multi_krum_s", multiTime, anchor: anchor?.seconds["multi_krum"], name: "flwr aggregate_krum to_keep",
                target: 10))

        // Independent of Flower: Krum must have chosen honest clients.
        if let chosen = krum.selected, !Set(chosen).isDisjoint(with: attackers) {
            failures.append("Krum chose an attacker")
        }
        if let chosen = multi.selected, Set(chosen) != Set(0..<(n - f)) {
            failures.append("Multi-Krum kept an attacker")
        }

        // The same rules with per-client diagnostics (what the hub runs), and the rules Flower lacks.
        let (meanDiag, _) = try time { try RobustAggregation.weightedMean(matrix, weights: weights) }
        report.add(BenchMetric("mean_with_diagnostics_s", meanDiag, unit: "s"))
        let (krumDiag, _) = try time { try RobustAggregation.krum(matrix, byzantine: f) }
        report.add(BenchMetric("krum_with_diagnostics_s", krumDiag, unit: "s"))
        let (ccTime, cc) = try time { try RobustAggregation.centeredClipping(matrix, weights: weights, iterations: 3) }
        report.add(BenchMetric("centered_clipping_3_iterations_s", ccTime, unit: "s"))
        let (nbTime, _) = try time { try RobustAggregation.normBounded(matrix, maxNorm: 1, weights: weights) }
        report.add(BenchMetric("norm_bounding_s", nbTime, unit: "s"))
        if cc.clients[(n - f)...].contains(where: { $0.retained > 0.1 }) {
            failures.append("centred clipping kept more than 10% of an attacker")
        }

        try consensus(&report, &failures)
        try sparseRound(&report, &failures)

        if let path = options.json { try report.write(to: path) }
        if !failures.isEmpty {
            for failure in failures { print("WRONG: \(failure)") }
            throw ExitCode(1)
        }
    }

    /// Pattern consensus over 10,000 patterns (384-dim, 200 topics, 1,000 twins): the seed's
    /// < 100 ms consensus-check budget.
    private func consensus(_ report: inout BenchReport, _ failures: inout [String]) throws {
        let patterns = options.quick ? 2_000 : 10_000
        let topics = 200
        let dims = 384
        var rng = SeededGenerator(seed: 7)
        let directions = (0..<topics).map { _ in (0..<dims).map { _ in Float(rng.nextGaussian()) } }
        let votes = try (0..<patterns).map { i -> PatternVote in
            let topic = i % topics
            let e = directions[topic].map { $0 + 0.2 * Float(rng.nextGaussian()) }
            return try PatternVote(
                patternID: "p\(i)", twinID: "twin\(Int.random(in: 0..<1000, using: &rng))", embedding: e,
                successRate: topic % 4 == 0 ? 0.3 : 0.9)
        }
        let engine = PatternConsensus()
        var times: [Double] = []
        var clusters: [ConsensusCluster] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            clusters = try engine.evaluate(votes) { _ in 0.5 }
            times.append(Self.seconds(ContinuousClock.now - start))
        }
        report.add(
            BenchMetric(
                "consensus_\(patterns)_patterns_ms", Self.median(times) * 1000, unit: "ms", target: 100,
                lowerIsBetter: true))
        let accepted = clusters.filter(\.accepted).count
        if clusters.count != topics || accepted != topics - topics / 4 {
            failures.append(
                "consensus found \(clusters.count) clusters, \(accepted) accepted; expected \(topics), \(topics - topics / 4)"
            )
        }
    }

    /// The hub's sparse path: 100 twins × 200 touched rows of rank 32 over 5,000 items, median.
    private func sparseRound(_ report: inout BenchReport, _ failures: inout [String]) throws {
        let twins = options.quick ? 30 : 100
        let model = try ItemFactorModel(itemCount: 5_000, rank: 32, seed: 1)
        var rng = SeededGenerator(seed: 5)
        let updates = try (0..<twins).map { t -> ModelUpdate in
            let items = Set((0..<200).map { _ in Int.random(in: 0..<5_000, using: &rng) }).sorted()
            let rows = items.map {
                RowUpdate(item: $0, factors: (0..<32).map { _ in Float(rng.nextGaussian()) * 0.01 }, bias: 0)
            }
            return try ModelUpdate(twinID: "t\(t)", baseVersion: 0, rank: 32, rows: rows, interactionCount: 200)
        }
        let aggregator = try UpdateAggregator(rule: .median)
        var times: [Double] = []
        var rows = 0
        for _ in 0..<3 {
            let start = ContinuousClock.now
            rows = try aggregator.aggregate(updates, model: model).rows.count
            times.append(Self.seconds(ContinuousClock.now - start))
        }
        report.add(BenchMetric("sparse_round_median_\(twins)_twins_s", Self.median(times), unit: "s"))
        let expected = Set(updates.flatMap { $0.rows.map(\.item) }).count
        if rows != expected { failures.append("sparse round produced \(rows) rows, expected \(expected)") }
    }

    private func metric(_ name: String, _ value: Double, anchor: Double?, name anchorName: String, target: Double)
        -> BenchMetric
    {
        BenchMetric(
            name, value, unit: "s", anchor: anchorName, anchorValue: anchor, target: target, lowerIsBetter: true)
    }

    struct Anchor {
        var flwrVersion: String
        var numpyVersion: String
        var seconds: [String: Double]
        var outputs: [String: [Float]]
    }

    /// Writes the arrays, runs scripts/anchors/aggregate.py, reads Flower's timings and results.
    /// Returns nil (with a message) when Python or flwr is unavailable.
    private func runAnchor(
        matrix: UpdateMatrix, weights: [Double], f: Int, keep: Int, beta: Double, repeats: Int
    ) throws -> Anchor? {
        let fm = FileManager.default
        let directory = fm.temporaryDirectory.appendingPathComponent("hive-bench-aggregate-\(UUID().uuidString)")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: directory) }
        try matrix.values.withUnsafeBytes { Data($0) }.write(to: directory.appendingPathComponent("updates.f32"))
        let meta: [String: Any] = [
            "n": matrix.rows, "d": matrix.columns, "weights": weights.map { Int($0) }, "num_malicious": f,
            "to_keep": keep, "beta": beta, "repeats": repeats,
        ]
        try JSONSerialization.data(withJSONObject: meta).write(to: directory.appendingPathComponent("meta.json"))

        let script = Self.anchorScript()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, directory.path]
        let out = Pipe()
        process.standardOutput = out
        do {
            try process.run()
        } catch {
            print("anchor unavailable: could not run \(python) \(script): \(error)")
            return nil
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            print(
                "anchor unavailable: \(script) exited with \(process.terminationStatus) (pip install -r scripts/anchors/requirements.txt)"
            )
            return nil
        }
        struct Output: Decodable {
            var flwr_version: String
            var numpy_version: String
            var seconds: [String: Double]
        }
        let parsed = try JSONDecoder().decode(Output.self, from: data)
        var outputs: [String: [Float]] = [:]
        for name in parsed.seconds.keys {
            let bytes = try Data(contentsOf: directory.appendingPathComponent("flower_\(name).f32"))
            outputs[name] = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        return Anchor(
            flwrVersion: parsed.flwr_version, numpyVersion: parsed.numpy_version, seconds: parsed.seconds,
            outputs: outputs)
    }

    /// scripts/anchors/aggregate.py from the working directory, else relative to this source file.
    static func anchorScript() -> String {
        let relative = "scripts/anchors/aggregate.py"
        if FileManager.default.fileExists(atPath: relative) { return relative }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(relative).path
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
