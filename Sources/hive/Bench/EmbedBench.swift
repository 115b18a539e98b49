import ArgumentParser
import Dispatch
import Foundation
import HiveCore
import HiveEmbeddings
import HiveVectors

/// `hive bench embed`: MiniLM throughput, p50 latency and cold start against sentence-transformers
/// and onnxruntime measured in the same run (scripts/anchors/embed.py).
struct EmbedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "all-MiniLM-L6-v2: sentences/s and p50 latency (batch 1/32, 1/2 threads), cold start, vs onnxruntime."
    )

    @OptionGroup var options: BenchOptions

    @Option(name: .long, help: "Model directory (default: $HIVE_MODEL_DIR or ~/.cache/hive/models/all-MiniLM-L6-v2).")
    var modelDir: String?

    @Option(help: "Python with the anchors' requirements (scripts/anchors/requirements.txt).")
    var python = ProcessInfo.processInfo.environment["HIVE_PYTHON"] ?? "python3"

    @Flag(help: "Measure Hive only (no Python anchors).")
    var skipAnchor = false

    @Option(help: "Matrix backend to measure: blas, packed or portable (default: the platform default).")
    var backend: String?

    func run() throws {
        let directory = modelDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? ModelStore.defaultDirectory()
        var chosen = MatrixBackend.platformDefault
        if let name = backend {
            guard let parsed = MatrixBackend(rawValue: name) else {
                let known = MatrixBackend.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("unknown --backend \(name); expected one of: \(known)")
            }
            chosen = parsed
        }
        let count = options.quick ? 200 : 1000
        let sentences = Self.sentences(count: count)
        let threadCounts = [1, 2]
        let batchSizes = [1, 32]

        // Cold start first, while nothing of ours is warm in this process.
        let coldInProcess = try Self.coldStartInProcess(directory: directory)
        let coldProcess = Self.coldStartProcess(directory: directory, runs: options.quick ? 3 : 5)
        // Peak RSS of a `hive embed` child embedding one batch of 32 (before any Python child runs).
        let peakChildMB = Self.peakResidentOfEmbedChild(directory: directory, texts: Array(sentences.prefix(32)))

        let anchor: [String: Any]? =
            skipAnchor
            ? nil
            : try Self.runAnchor(
                python: python, directory: directory, sentences: sentences, quick: options.quick)

        var report = BenchReport(
            bench: "embed",
            params: [
                "sentences": "\(count)", "mean_words": String(format: "%.1f", Self.meanWords(sentences)),
                "model": directory.path, "backend": chosen.description,
                "blas_core": MatrixBackend.blasCoreName ?? "-",
                "cores": "\(ProcessInfo.processInfo.activeProcessorCount)",
            ])
        report.printTable()

        // Correctness: our vectors against sentence-transformers' from the same run.
        let checker = try MiniLMEmbedder(directory: directory)
        if let reference = anchor?["reference"] as? [[Double]] {
            let ours = checker.embed(Array(sentences.prefix(reference.count)))
            var worst = 1.0
            for (a, b) in zip(ours, reference) { worst = min(worst, DistanceMetric.cosineSimilarity(a, b.map(Float.init))) }
            report.add(BenchMetric("parity_min_cosine_vs_sentence_transformers", worst, unit: "cos", target: 0.9999))
            guard worst >= 0.9999 else {
                print("FAIL: embeddings disagree with sentence-transformers (min cosine \(worst))")
                throw ExitCode.failure
            }
        }

        let st = anchor?["sentence_transformers"] as? [String: [String: Double]]
        let ort = anchor?["onnxruntime"] as? [String: [String: Double]]
        for threads in threadCounts {
            let embedder = try MiniLMEmbedder(directory: directory, threads: threads, backend: chosen, batchSize: 32)
            for batch in batchSizes {
                let key = "t\(threads)_b\(batch)"
                let figure = Self.measure(embedder, sentences: sentences, batch: batch)
                guard figure.finite else {
                    print("FAIL: non-finite embeddings at batch \(batch), \(threads) threads")
                    throw ExitCode.failure
                }
                let ortRate = ort?[key]?["sentences_per_s"]
                let stRate = st?[key]?["sentences_per_s"]
                report.add(
                    BenchMetric(
                        "b\(batch)_t\(threads)_sentences_per_s", figure.rate, unit: "sent/s", anchor: "onnxruntime",
                        anchorValue: ortRate, target: threads == 1 ? 0.8 : nil))
                report.add(
                    BenchMetric(
                        "b\(batch)_t\(threads)_sentences_per_s", figure.rate, unit: "sent/s",
                        anchor: "sentence-transformers", anchorValue: stRate, target: threads == 1 ? 1.5 : nil))
                report.add(
                    BenchMetric(
                        "b\(batch)_t\(threads)_sentences_per_cpu_s", figure.cpuRate, unit: "sent/cpu-s",
                        anchor: "onnxruntime", anchorValue: ort?[key]?["sentences_per_cpu_s"]))
                report.add(
                    BenchMetric(
                        "b\(batch)_t\(threads)_p50_latency", figure.p50, unit: "ms", anchor: "onnxruntime",
                        anchorValue: ort?[key]?["p50_ms"], lowerIsBetter: true))
            }
        }
        let cold = anchor?["cold_start_ms"] as? [String: Double]
        report.add(
            BenchMetric(
                "cold_start_in_process_load_plus_first", coldInProcess, unit: "ms", target: 300, lowerIsBetter: true))
        report.add(
            BenchMetric(
                "cold_start_process_hive_embed", coldProcess, unit: "ms", anchor: "onnxruntime (python)",
                anchorValue: cold?["onnxruntime"], lowerIsBetter: true))
        report.add(
            BenchMetric(
                "cold_start_process_hive_embed", coldProcess, unit: "ms", anchor: "sentence-transformers",
                anchorValue: cold?["sentence_transformers"], lowerIsBetter: true))
        report.add(
            BenchMetric("cold_start_process_hive_embed_abs", coldProcess, unit: "ms", target: 300, lowerIsBetter: true))
        let weightsMB =
            Double(
                (try? FileManager.default.attributesOfItem(
                    atPath: directory.appendingPathComponent("model.safetensors").path))?[.size]
                    as? Int ?? 0) / 1_048_576
        if let peakChildMB {
            report.add(
                BenchMetric(
                    "peak_rss_hive_embed_batch32", peakChildMB, unit: "MB", target: 1.5 * weightsMB, lowerIsBetter: true
                ))
        }
        if let json = options.json { try report.write(to: json) }
    }

    // MARK: - Measurements

    struct Figure {
        var rate: Double
        var p50: Double
        /// Sentences per second of process CPU time (all threads).
        var cpuRate: Double
        /// Whether every first component was finite (a cheap check that real numbers came out).
        var finite: Bool
    }

    #if os(Linux)
        static func who(_ value: __rusage_who) -> __rusage_who_t { __rusage_who_t(value.rawValue) }
    #else
        static func who(_ value: Int32) -> Int32 { value }
    #endif

    /// CPU time of this process (all threads), in seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(Self.who(RUSAGE_SELF), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func measure(_ embedder: MiniLMEmbedder, sentences: [String], batch: Int) -> Figure {
        // Warm-up: grows the workspace and faults in the weights.
        _ = embedder.embed(Array(sentences.prefix(2 * batch)))
        var latencies: [Double] = []
        let cpuStart = processCPUSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        var index = 0
        var checksum: Float = 0
        while index < sentences.count {
            let end = min(index + batch, sentences.count)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let vectors = embedder.embed(Array(sentences[index..<end]))
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            checksum += vectors[0][0]
            index = end
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = processCPUSeconds() - cpuStart
        latencies.sort()
        return Figure(
            rate: Double(sentences.count) / seconds, p50: latencies[latencies.count / 2],
            cpuRate: Double(sentences.count) / max(cpu, 1e-9), finite: checksum.isFinite)
    }

    /// Model load plus the first embedding, in this process (before anything else touched the model).
    static func coldStartInProcess(directory: URL) throws -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let embedder = try MiniLMEmbedder(directory: directory)
        _ = embedder.embed(["hello world"])
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
    }

    /// Process start to first embedding: `hive embed "hello world"` as a child process, median of `runs`.
    static func coldStartProcess(directory: URL, runs: Int) -> Double {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var times: [Double] = []
        for _ in 0..<runs {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["embed", "--model-dir", directory.path, "hello world"]
            process.standardOutput = FileHandle.nullDevice
            let t0 = DispatchTime.now().uptimeNanoseconds
            guard (try? process.run()) != nil else { return .nan }
            process.waitUntilExit()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        return times[times.count / 2]
    }

    static func runAnchor(python: String, directory: URL, sentences: [String], quick: Bool) throws -> [String: Any] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hive-bench-embed-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("sentences.json")
        let output = work.appendingPathComponent("anchor.json")
        try JSONEncoder().encode(sentences).write(to: input)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../scripts/anchors/embed.py").standardized
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            python, script.path, "--model", directory.path, "--sentences", input.path,
            "--out", output.path, "--cold-runs", quick ? "1" : "3",
        ]
        print("running anchor: \(python) \(script.path) (sentence-transformers + onnxruntime)…")
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any]
        else {
            print(
                "FAIL: the anchor script failed (status \(process.terminationStatus)); use --skip-anchor to measure Hive alone"
            )
            throw ExitCode.failure
        }
        return object
    }

    /// Runs `hive embed` on `texts` (one batch) and returns the largest child RSS seen so far, in MB
    /// (`RUSAGE_CHILDREN` keeps a maximum over all waited-for children, so call before other children).
    static func peakResidentOfEmbedChild(directory: URL, texts: [String]) -> Double? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.arguments = ["embed", "--model-dir", directory.path] + texts
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        var usage = rusage()
        getrusage(Self.who(RUSAGE_CHILDREN), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func meanWords(_ sentences: [String]) -> Double {
        Double(sentences.reduce(0) { $0 + $1.split(separator: " ").count }) / Double(max(sentences.count, 1))
    }

    /// Deterministic English-like sentences of 9–13 words (mean ≈ 11).
    static func sentences(count: Int) -> [String] {
        let subjects = [
            "the viewer", "my sister", "a small team", "the old man", "our neighbour", "every student",
            "the new manager", "a famous chef", "the quiet child", "this company",
        ]
        let verbs = [
            "watched", "recommended", "forgot", "discovered", "enjoyed", "criticised", "shared", "finished",
            "ignored", "remembered",
        ]
        let objects = [
            "a long documentary about ocean life", "the final episode of the series",
            "an interesting article on climate policy", "three songs from the new album",
            "a funny video about cats", "the history of ancient Rome", "a quick recipe for dinner",
            "the morning news on the radio", "a thriller set in Berlin", "a podcast about space travel",
        ]
        let tails = [
            "last night", "on Sunday", "with friends", "before work", "after dinner", "at home",
            "during the trip", "again yesterday", "in the park", "for the second time",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        return (0..<count).map { _ in
            let sentence = "\(subjects[next(10)]) \(verbs[next(10)]) \(objects[next(10)]) \(tails[next(10)])."
            return sentence.prefix(1).uppercased() + sentence.dropFirst()
        }
    }
}
