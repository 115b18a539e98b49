import ArgumentParser
import Foundation
import HiveCore
import HiveEvaluation
import HiveLearning
import Synchronization

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

    @Option(help: "Where to write the SVG learning curve (HR@10 per round, one line per system).")
    var svg: String = "recsys-learning-curve.svg"

    @Flag(help: "Skip the Python library baseline (scripts/anchors/recsys.py).")
    var noAnchor = false

    @Flag(help: "Tune, don't test: evaluate on the validation split carved from training data (each user's latest training interaction held out); the test items are never seen.")
    var validation = false

    @Flag(help: "Run only the baselines and the clean federated systems (no rule sweep, no attacks): for tuning.")
    var skipAttacks = false

    @Option(help: "Rounds (default 8 with --quick, 25 otherwise); centralised MF gets the same number of epochs.")
    var rounds: Int?

    @Option(help: "Twin-side SGD learning rate (chosen on the validation split).")
    var localLearningRate: Float = 0.05

    @Option(help: "Twin-side passes over the twin's interactions per round.")
    var localEpochs: Int = 2

    @Option(help: "Server learning rate applied to each fused row.")
    var serverLearningRate: Float = 1

    @Option(help: "How a row's senders are fused: sum (what sequential SGD would add) or mean.")
    var combination: String = "sum"

    @Option(help: "Robust rule's bound: this multiple of the round's median update norm.")
    var normMultiple: Double = 1

    @Option(help: "How many twins' round-1 updates travel as signed, verified envelopes (default: all; canonical JSON of every update dominates a run otherwise).")
    var signedUpdates: Int?

    @Option(help: "Passes a newcomer makes over its first 10 interactions to fit its own vector against the federated model.")
    var personalisationEpochs: Int = 20

    @Option(help: "Cold-start folds: eligible users are shuffled by the seed and cut into this many parts; each cold-start run holds one part out of the federation.")
    var coldStartFolds: Int = 5

    @Option(help: "How many cold-start folds to run (default: all of them; --quick: one). 0 skips the cold-start check.")
    var coldStartRuns: Int?

    @Option(help: "Server momentum β (FedAvgM) on the fused rows; 0 is plain FedAvg.")
    var serverMomentum: Float = 0

    @Option(help: "What the robust system scores agreement against: coordinate_median (each row's median sender; chosen on validation runs with every attack) or fused.")
    var agreementReference: String = "coordinate_median"

    @Option(help: "Comma-separated attacks to run (sign_flip, gaussian_noise, scaling, alie, ipm, label_flip); default: all (--quick: the first two).")
    var attacks: String?

    @Option(help: "Negatives sampled per positive in each BPR pass (twins and centralised).")
    var negatives: Int = 1

    @Option(help: "L2 regularisation of the BPR trainer (twins and centralised).")
    var regularization: Float = 0.01

    @Option(help: "Twin-side L2 bound on each update before it is sent.")
    var clipNorm: Double = 5

    @Option(help: "Reputation EMA retention for the robust system (weight of the old score).")
    var retention: Double = 0.5

    @Option(help: "Trainer: als (federated weighted ALS: closed-form user solves on the twins, exact item solves on the hub from summed statistics) or bpr (local SGD, row deltas).")
    var trainer: String = "als"

    @Option(help: "ALS L2 regularisation λ (twins, hub and centralised; chosen on the validation split).")
    var alsRegularization: Double = 5

    @Option(help: "ALS confidence slope α (confidence 1 + α per interaction).")
    var alsAlpha: Double = 10

    @Option(help: "Where the clean federated and robust systems also run: inprocess (default: only in process) or http (additionally through a real hub on loopback — registered twins, signed pushes, hub-side rounds, signed pulls — reported beside the in-process figures and checked to agree).")
    var transport: String = "inprocess"

    @Option(help: "Robust system: also bound each twin's row at this multiple of the row's median sender norm (0: off; default 1 with ALS, off with BPR — chosen on validation runs with every attack).")
    var rowNormMultiple: Double?

    @Option(help: "Robust system: what the norm bound measures — per_row (RMS row norm: heavy twins are not trimmed for their row count; default with ALS, chosen on validation runs with attacks) or whole (the update's norm; default with BPR).")
    var normBasis: String?

    @Option(help: "Robust ALS system: score agreement on the statistics' linear part (linear) or on whole rows (whole).")
    var statisticsAgreement: String = "linear"

    func run() async throws {
        let started = ContinuousClock.now
        let dataset = try MovieLens.load(directory: data)
        let testSplit = try LeaveOneOutSplit(dataset, negativeCount: 99, seed: seed)
        let split = validation ? try testSplit.validationSplit(seed: seed) : testSplit
        if validation { print("VALIDATION split: every figure below is on held-out training interactions, not the test items") }
        let rounds = rounds ?? (options.quick ? 8 : 25)
        guard (1...1000).contains(rounds) else { throw HiveError(.invalidInput, "--rounds must be in 1…1000") }
        guard let combination = RowCombination(rawValue: combination) else {
            throw HiveError(.invalidInput, "--combination must be sum or mean, got \(combination)")
        }
        let rank = 32
        guard let agreementReference = AgreementReference(rawValue: agreementReference) else {
            throw HiveError(.invalidInput, "--agreement-reference must be fused or coordinate_median, got \(agreementReference)")
        }
        let simulation = FederatedSimulation(split: split)
        guard ["inprocess", "http"].contains(transport) else {
            throw HiveError(.invalidInput, "--transport must be inprocess or http, got \(transport)")
        }
        if transport == "http", serverMomentum != 0 {
            throw HiveError(.invalidInput, "--transport http: the hub applies no server momentum; use --server-momentum 0")
        }
        guard ["als", "bpr"].contains(self.trainer) else { throw HiveError(.invalidInput, "--trainer must be als or bpr, got \(self.trainer)") }
        let als = self.trainer == "als" ? try WALSConfiguration(regularization: alsRegularization, alpha: alsAlpha) : nil
        // Signing canonical JSON of ~900 ALS statistics updates (560 values per row) would take
        // minutes; signing changes no arithmetic, so ALS runs sign the first 20 by default.
        let signedUpdates = self.signedUpdates ?? (als == nil ? nil : 20)
        let rowNormMultiple = self.rowNormMultiple ?? (als == nil ? 0 : 1)
        let trainer = try TrainerConfiguration(
            algorithm: .bpr, learningRate: localLearningRate, regularization: regularization, epochs: localEpochs,
            negativesPerPositive: negatives, clipNorm: clipNorm)
        var unclipped = trainer
        unclipped.clipNorm = 1e6
        let reputation = try ReputationConfiguration(retention: retention)
        guard let normBasis = NormBasis(rawValue: self.normBasis ?? (als == nil ? "whole" : "per_row")) else {
            throw HiveError(.invalidInput, "--norm-basis must be whole or per_row, got \(self.normBasis ?? "")")
        }
        guard ["linear", "whole"].contains(statisticsAgreement) else {
            throw HiveError(.invalidInput, "--statistics-agreement must be linear or whole, got \(statisticsAgreement)")
        }
        // The robust system: each update bounded at the round's median norm, reputation from
        // agreement with the fused update.
        let robustRule = ("median_norm_bounding", AggregationRule.medianNormBounding(multiple: normMultiple))
        func configuration(
            _ rule: AggregationRule, robust: Bool, attack: Attack? = nil, labelFlip: Bool = false, fraction: Double = 0,
            signed: Int = 0
        ) -> FederatedSimulation.Configuration {
            var configuration = FederatedSimulation.Configuration(
                rounds: rounds, rank: rank, trainer: trainer, rule: rule, serverLearningRate: serverLearningRate,
                attack: attack, labelFlip: labelFlip, attackerFraction: fraction, signedRounds: signed,
                signedTwins: signedUpdates, seed: seed,
                combination: combination, scoresAgreement: robust, reputation: robust ? reputation : .standard,
                serverMomentum: serverMomentum, agreementReference: agreementReference,
                // ALS: the plain system is FedAvg without reputation (then exactly centralised ALS).
                als: als, reputationWeights: robust || als == nil,
                rowNormMultiple: robust && rowNormMultiple > 0 ? rowNormMultiple : nil)
            configuration.normBasis = normBasis
            configuration.linearStatisticsAgreement = statisticsAgreement == "linear"
            return configuration
        }
        var report = BenchReport(bench: "recsys", params: [
            "dataset": dataset.name, "users": String(split.tests.count), "items": String(dataset.itemCount),
            "interactions": String(dataset.interactions.count), "skipped_users": String(split.skippedUsers),
            "seed": String(seed), "rounds": String(rounds), "rank": String(rank), "signed": signedUpdates.map { "the first \($0) updates of round 1" } ?? "every update of round 1",
            "split": validation ? "validation (carved from training)" : "test", "combination": combination.rawValue,
            "server_lr": String(serverLearningRate), "local_lr": String(localLearningRate),
            "local_epochs": String(localEpochs), "personalisation_epochs": String(personalisationEpochs), "norm_multiple": String(normMultiple), "retention": String(retention),
            "server_momentum": String(serverMomentum), "agreement_reference": agreementReference.rawValue, "negatives_per_positive": String(negatives),
            "regularization": String(regularization), "clip_norm": String(clipNorm),
            "protocol": "leave-one-out, 99 sampled negatives; ties at expected rank",
            "trainer": self.trainer, "als_regularization": String(alsRegularization), "als_alpha": String(alsAlpha),
            "row_norm_multiple": String(rowNormMultiple), "norm_basis": normBasis.rawValue,
            "statistics_agreement": statisticsAgreement, "transport": transport,
        ])
        print("loaded \(dataset.name): \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactions.count) interactions; \(split.skippedUsers) users skipped (< 2 interactions)")
        var failures: [String] = []
        var curves: [(String, [Double])] = []

        // The library anchor runs in its own process from the start, beside the Swift systems.
        let anchorProcess = noAnchor ? nil : try? LibraryBaseline.start(split: split, seed: seed, quick: options.quick)

        // Each robust rule, clean (plain reputation, same row combination).
        let rules: [(String, AggregationRule)] = [
            ("median", .median), ("trimmed_mean", .trimmedMean(beta: 0.35)), ("multi_krum", .multiKrum(byzantine: 0.35)),
            ("centered_clipping", .centeredClipping(radius: nil, iterations: 3)), ("norm_bounding", .normBounding(maxNorm: 1)),
        ]
        // Attacks: the robust rule against the plain mean, for each attack and attacker share.
        let allAttacks: [(String, Attack?, Bool)] = [
            ("sign_flip", .signFlip(scale: 10), false), ("gaussian_noise", .gaussianNoise(sigma: 1), false),
            ("scaling", .scaling(factor: 10), false), ("alie", .alie(z: nil), false), ("ipm", .ipm(epsilon: 10), false),
            ("label_flip", nil, true),
        ]
        let fractions = skipAttacks ? [] : options.quick ? [0.33] : [0.1, 0.2, 0.33]
        let attacks: [(String, Attack?, Bool)]
        if let chosen = self.attacks?.split(separator: ",").map(String.init) {
            if let unknown = chosen.first(where: { name in !allAttacks.contains { $0.0 == name } }) {
                throw HiveError(.invalidInput, "unknown attack \(unknown); known: \(allAttacks.map(\.0).joined(separator: ", "))")
            }
            attacks = allAttacks.filter { chosen.contains($0.0) }
        } else {
            attacks = options.quick ? Array(allAttacks.prefix(2)) : allAttacks
        }
        struct SweepRun { var metric: String; var label: String; var curve: String?; var anchor: String; var anchorLabel: String; var target: Double?; var config: FederatedSimulation.Configuration }
        var sweep: [SweepRun] = []
        for (name, rule) in (skipAttacks || options.quick ? [] : rules) {
            sweep.append(SweepRun(
                metric: "federated_\(name)_hr@10", label: name, curve: "federated (\(name))", anchor: "mean",
                anchorLabel: "federated mean", target: nil, config: configuration(rule, robust: false)))
        }
        for fraction in fractions {
            for (attackName, attack, labelFlip) in attacks {
                for (ruleName, rule) in [("mean", AggregationRule.weightedMean), robustRule] {
                    let percent = Int((fraction * 100).rounded())
                    sweep.append(SweepRun(
                        metric: "\(attackName)_\(percent)pct_\(ruleName)_honest_hr@10",
                        label: "\(attackName) \(percent)% \(ruleName)",
                        curve: fraction > 0.3 ? "\(attackName) 33% \(ruleName)" : nil, anchor: ruleName,
                        anchorLabel: "\(ruleName), no attack", target: fraction > 0.3 && ruleName != "mean" ? 0.95 : nil,
                        config: configuration(
                            rule, robust: ruleName != "mean", attack: attack, labelFlip: labelFlip, fraction: fraction)))
                }
            }
        }
        // Personalisation speed, cold start: folds of users held out of the federation entirely.
        let coldRuns = coldStartRuns ?? (options.quick ? 1 : coldStartFolds)
        guard (0...coldStartFolds).contains(coldRuns), (2...100).contains(coldStartFolds) else {
            throw HiveError(.invalidInput, "--cold-start-folds must be in 2…100 and --cold-start-runs in 0…folds")
        }
        let coldSplits = try (0..<coldRuns).map {
            try ColdStartSplit(split, fold: $0, folds: coldStartFolds, interactions: 10, negativeCount: 99, seed: seed)
        }
        var newcomer = trainer
        newcomer.epochs = personalisationEpochs

        // Every system is an independent job; two lanes run them side by side, longest first, so
        // both cores stay busy from the first job to the last (each run's local training is
        // itself spread over the cores, which covers the tail).
        let progress = Progress(total: rounds * (2 + sweep.count + coldRuns + (transport == "http" ? 2 : 0)) + rounds + 2)
        let clean = [configuration(.weightedMean, robust: false, signed: 1), configuration(robustRule.1, robust: true)]
        let cleanLabels = ["federated", "federated (robust)"]
        var jobs: [@Sendable () throws -> RecsysPiece] = []
        for (index, config) in clean.enumerated() {
            jobs.append { [simulation, split, newcomer, seed, als] in
                let run = try simulation.run(config) { _, _ in progress.advance(1, cleanLabels[index]) }
                let scorer = FactorModelScorer(model: run.model, users: run.users)
                var piece = RecsysPiece.Clean(run: run, result: RecommenderEvaluation.evaluate(scorer, on: split))
                if index == 0 {
                    // In-sample newcomers (kept beside the cold-start figure): each user's vector refit from
                    // their first / latest 10 training interactions against the final federated model.
                    let first = try als.map { try simulation.personaliseALS(model: run.model, histories: split.truncatingHistories(to: 10), als: $0) }
                        ?? simulation.personalise(
                            model: run.model, histories: split.truncatingHistories(to: 10), trainer: newcomer, seed: seed &+ 7)
                    piece.first10 = RecommenderEvaluation.evaluate(FactorModelScorer(model: run.model, users: first), on: split, fullRanking: false)
                    let recent = try als.map { try simulation.personaliseALS(model: run.model, histories: split.recentHistories(10), als: $0) }
                        ?? simulation.personalise(
                            model: run.model, histories: split.recentHistories(10), trainer: newcomer, seed: seed &+ 7)
                    piece.latest10 = RecommenderEvaluation.evaluate(FactorModelScorer(model: run.model, users: recent), on: split, fullRanking: false)
                }
                return .clean(piece)
            }
        }
        jobs.append { [simulation, split, unclipped, seed, als] in
            let (model, users) = try als.map { try simulation.centralisedALS(rank: rank, epochs: rounds, als: $0, seed: seed) }
                ?? simulation.centralised(rank: rank, epochs: rounds, trainer: unclipped, seed: seed)
            progress.advance(rounds, "centralised MF")
            return .centralised(RecommenderEvaluation.evaluate(FactorModelScorer(model: model, users: users), on: split))
        }
        let coldConfig = configuration(.weightedMean, robust: false)
        for cold in coldSplits {
            jobs.append { [newcomer, seed, als] in
                .coldStart(try FederatedSimulation.coldStart(
                    cold, configuration: coldConfig, newcomer: newcomer, als: als, seed: seed &+ 11
                ) { _, _ in progress.advance(1, "cold start \(cold.fold + 1)/\(cold.folds)") })
            }
        }
        for run in sweep {
            jobs.append { [simulation] in
                .sweep(try simulation.run(run.config) { _, _ in progress.advance(1, run.label) })
            }
        }
        jobs.append { [split, dataset] in
            let pop = RecommenderEvaluation.evaluate(ItemPopularity(train: split.train, itemCount: split.itemCount), on: split)
            let local = RecommenderEvaluation.evaluate(ContentProfileScorer(dataset: dataset, train: split.train), on: split)
            progress.advance(2, "baselines")
            return .baselines(pop: pop, local: local)
        }
        let pieces = try Lanes.run(jobs)
        // The same two clean systems through a real hub on loopback (after the in-process jobs,
        // so the two do not compete for the cores and the round times are the transport's own).
        var httpRuns: [RecsysHTTPFederation.Outcome] = []
        if transport == "http" {
            let workdir = NSTemporaryDirectory() + "hive-recsys-http-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: workdir) }
            let federation = RecsysHTTPFederation(split: split, workdir: workdir)
            for (index, config) in clean.enumerated() {
                httpRuns.append(try await federation.run(config, label: "system\(index)") { _ in
                    progress.advance(1, "\(cleanLabels[index]) over HTTP")
                })
            }
        }
        progress.finish()
        var cleanPieces: [RecsysPiece.Clean] = [], coldOutcomes: [FederatedSimulation.ColdStartOutcome] = []
        var sweepOutcomes: [FederatedSimulation.Outcome] = []
        var central: EvaluationResult?, baselines: (pop: EvaluationResult, local: EvaluationResult)?
        for piece in pieces {
            switch piece {
            case .clean(let clean): cleanPieces.append(clean)
            case .centralised(let result): central = result
            case .coldStart(let outcome): coldOutcomes.append(outcome)
            case .sweep(let outcome): sweepOutcomes.append(outcome)
            case .baselines(let pop, let local): baselines = (pop, local)
            }
        }
        guard cleanPieces.count == 2, let central, let (pop, local) = baselines, sweepOutcomes.count == sweep.count,
            coldOutcomes.count == coldRuns, let first10 = cleanPieces[0].first10, let latest10 = cleanPieces[0].latest10
        else { throw HiveError(.inconsistent, "a bench job returned nothing") }
        let federatedRun = cleanPieces[0].run, robustRun = cleanPieces[1].run
        let federated = cleanPieces[0].result, robust = cleanPieces[1].result
        curves.append(("federated (mean)", federatedRun.curve.map(\.hitRate10)))
        curves.append(("federated (robust)", robustRun.curve.map(\.hitRate10)))
        if !httpRuns.isEmpty {
            try reportHTTP(httpRuns, inProcess: [(federatedRun, federated), (robustRun, robust)], split: split, rounds: rounds, into: &report, failures: &failures)
            for (label, run) in zip(["federated (mean) over HTTP", "federated (robust) over HTTP"], httpRuns) {
                curves.append((label, run.curve.map(\.hitRate10)))
            }
        }
        let expectedEnvelopes = min(signedUpdates ?? split.tests.count, split.tests.count)
        if federatedRun.envelopesVerified != expectedEnvelopes {
            failures.append("expected \(expectedEnvelopes) verified update envelopes, saw \(federatedRun.envelopesVerified)")
        }
        let anchor = try? anchorProcess?.wait()
        print(BenchReport.header)
        report.addEvaluation(system: "itempop", pop)
        report.addEvaluation(system: "local_only_content", local)
        report.addEvaluation(system: "centralised_mf", central)
        report.addEvaluation(system: "federated_mean", federated)
        report.addEvaluation(system: "federated_robust", robust)
        report.add(BenchMetric("federated_vs_centralised_hr@10", federated.hitRate10, unit: "HR", anchor: "centralised MF (ours)", anchorValue: central.hitRate10, target: 0.98))
        report.add(BenchMetric("federated_robust_vs_centralised_hr@10", robust.hitRate10, unit: "HR", anchor: "centralised MF (ours)", anchorValue: central.hitRate10, target: 0.98))
        report.add(BenchMetric("federated_vs_local_only_hr@10", federated.hitRate10, unit: "HR", anchor: "local-only twins", anchorValue: local.hitRate10, target: 1.36))
        if let anchor {
            report.add(BenchMetric("federated_vs_library_hr@10", federated.hitRate10, unit: "HR", anchor: anchor.name, anchorValue: anchor.hitRate10, target: 1.0))
            report.add(BenchMetric("federated_robust_vs_library_hr@10", robust.hitRate10, unit: "HR", anchor: anchor.name, anchorValue: anchor.hitRate10, target: 1.0))
            report.add(BenchMetric("library_ndcg@10", anchor.ndcg10, unit: "", anchor: anchor.name, anchorValue: nil))
        } else if !noAnchor {
            print("library baseline unavailable: run `python3 -m pip install -r scripts/anchors/requirements.txt` (needs `implicit`)")
        }

        // Personalisation speed. In-sample (no target; the users' own histories trained the item
        // factors, and the held-out item is their latest): first / latest 10 training interactions.
        report.add(BenchMetric("first_10_interactions_hr@10", first10.hitRate10, unit: "HR", anchor: "full-history users", anchorValue: federated.hitRate10))
        // The same newcomer fit on the user's latest 10 interactions instead: separates "10
        // interactions are too few" from "the first 10 are too old" (taste drift to the held-out item).
        report.add(BenchMetric("latest_10_interactions_hr@10", latest10.hitRate10, unit: "HR", anchor: "full-history users", anchorValue: federated.hitRate10))
        // Cold start (the target): newcomers never trained on, first 10 interactions → the 11th,
        // against the warm users of the same models on leave-one-out; pooled over the folds run.
        if !coldOutcomes.isEmpty {
            let warm = EvaluationResult.pooled(coldOutcomes.map { $0.warm })
            let next = EvaluationResult.pooled(coldOutcomes.map { $0.next })
            let latest = EvaluationResult.pooled(coldOutcomes.map { $0.latest })
            let popWarm = EvaluationResult.pooled(coldOutcomes.map { $0.popularityWarm })
            let popNext = EvaluationResult.pooled(coldOutcomes.map { $0.popularityNext })
            let folds = "\(coldRuns) of \(coldStartFolds) folds"
            report.params["cold_start"] = "\(folds); \(next.users) newcomers held out of training, first 10 interactions → 11th among 99 negatives; \(warm.users) warm user evaluations; \(coldSplits.first?.ineligibleUsers ?? 0) users too short to hold out"
            let recent = EvaluationResult.pooled(coldOutcomes.map { $0.recent })
            let full = EvaluationResult.pooled(coldOutcomes.map { $0.full })
            // The target: same newcomers, same item (their latest), same model and fit — 10
            // interactions against the whole history. No leakage, no drift, no easier target.
            report.add(BenchMetric("cold_start_10_vs_full_history_hr@10", recent.hitRate10, unit: "HR", anchor: "same newcomers, full history", anchorValue: full.hitRate10, target: 0.9))
            report.add(BenchMetric("cold_start_10_vs_full_history_ndcg@10", recent.ndcg10, unit: "NDCG", anchor: "same newcomers, full history", anchorValue: full.ndcg10))
            report.add(BenchMetric("cold_start_full_history_vs_warm_hr@10", full.hitRate10, unit: "HR", anchor: "warm users, same models", anchorValue: warm.hitRate10))
            report.add(BenchMetric("cold_start_first_10_next_hr@10", next.hitRate10, unit: "HR", anchor: "warm users, same models", anchorValue: warm.hitRate10))
            report.add(BenchMetric("cold_start_first_10_next_ndcg@10", next.ndcg10, unit: "NDCG", anchor: "warm users, same models", anchorValue: warm.ndcg10))
            report.add(BenchMetric("cold_start_first_10_latest_hr@10", latest.hitRate10, unit: "HR", anchor: "warm users, same models", anchorValue: warm.hitRate10))
            report.add(BenchMetric("cold_start_itempop_next_hr@10", popNext.hitRate10, unit: "HR", anchor: "ItemPop, warm users", anchorValue: popWarm.hitRate10))
            // Binomial standard error of the newcomers' hit rate: how far the ratio can move by chance.
            let p = next.hitRate10, n = Double(max(next.users, 1))
            report.add(BenchMetric("cold_start_first_10_next_hr@10_stderr", (p * (1 - p) / n).squareRoot(), unit: "HR"))
            let trained = coldOutcomes.reduce(0) { $0 + $1.newcomersTrained }
            if trained > 0 { failures.append("\(trained) held-out newcomers were trained by the federation") }
        }

        let cleanHR: [String: Double] = [
            "mean": try require_(federatedRun.curve.last, "no rounds ran").hitRate10,
            robustRule.0: try require_(robustRun.curve.last, "no rounds ran").hitRate10,
        ]
        for (job, run) in zip(sweep, sweepOutcomes) {
            let hr = try require_(run.curve.last, "no rounds ran").hitRate10
            report.add(BenchMetric(
                job.metric, hr, unit: "HR", anchor: job.anchorLabel,
                anchorValue: cleanHR[job.anchor], target: job.target))
            if let curve = job.curve { curves.append((curve, run.curve.map(\.hitRate10))) }
        }

        if federated.hitRate10 <= 0.05 { failures.append("federated MF did not learn (HR@10 \(federated.hitRate10))") }
        if central.hitRate10 <= pop.hitRate10 * 0.5 { failures.append("centralised MF is far below popularity (\(central.hitRate10) vs \(pop.hitRate10))") }
        try LearningCurveSVG(title: "HR@10 per round — \(dataset.name)", series: curves).write(to: svg)
        print("learning curve: \(svg)")
        let elapsed = ContinuousClock.now - started
        report.add(BenchMetric("wall_time", Double(elapsed.components.seconds), unit: "s", target: options.quick ? 60 : 600, lowerIsBetter: true))
        // CPU time beside wall time: on a shared machine the wall figure is only an upper bound.
        var own = rusage(), children = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &own)
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &children)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        report.add(BenchMetric("cpu_time", seconds(own.ru_utime) + seconds(own.ru_stime), unit: "s"))
        report.add(BenchMetric("cpu_time_anchor", seconds(children.ru_utime) + seconds(children.ru_stime), unit: "s"))
        if let json = options.json { try report.write(to: json) }
        if !failures.isEmpty {
            for failure in failures { print("WRONG: \(failure)") }
            throw ExitCode(1)
        }
    }
}

/// What one bench job hands back (jobs run side by side, see ``Lanes``).
enum RecsysPiece: Sendable {
    /// A clean federated system, evaluated; the plain one also carries the in-sample newcomers.
    struct Clean: Sendable {
        var run: FederatedSimulation.Outcome
        var result: EvaluationResult
        var first10: EvaluationResult?
        var latest10: EvaluationResult?
    }

    case clean(Clean)
    case centralised(EvaluationResult)
    case coldStart(FederatedSimulation.ColdStartOutcome)
    case sweep(FederatedSimulation.Outcome)
    case baselines(pop: EvaluationResult, local: EvaluationResult)
}

/// `value` or a HiveError with `message`.
private func require_<T>(_ value: T?, _ message: String) throws -> T {
    guard let value else { throw HiveError(.inconsistent, message) }
    return value
}

extension BenchReport {
    /// Adds the four ranking figures of one system.
    mutating func addEvaluation(system: String, _ result: EvaluationResult) {
        add(BenchMetric("\(system)_hr@10", result.hitRate10, unit: "HR"))
        add(BenchMetric("\(system)_ndcg@10", result.ndcg10, unit: "NDCG"))
        if result.recall20 > 0 || result.ndcg20 > 0 {
            add(BenchMetric("\(system)_recall@20_full", result.recall20, unit: "recall"))
            add(BenchMetric("\(system)_ndcg@20_full", result.ndcg20, unit: "NDCG"))
        }
    }
}

/// A one-line progress bar on standard error.
final class Progress: Sendable {
    // Runs advance it from several threads (``FederatedSimulation/runAll``).
    private let counter = Mutex(0)
    private let total: Int

    init(total: Int) { self.total = max(total, 1) }

    func advance(_ steps: Int, _ label: String) {
        let done = counter.withLock { value -> Int in
            value += steps
            return value
        }
        let width = 30
        let filled = min(width, done * width / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(min(100, done * 100 / total))% \(label.padding(toLength: 32, withPad: " ", startingAt: 0))".utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}
