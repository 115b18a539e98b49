import ArgumentParser
import Foundation
import HiveCore
import HiveTwin

/// `hive bench twin`: the twin's local memory — episodes and patterns stored per second, filtered
/// pattern search, database size and open time — against the figures the cited project published
/// for its AgentDB (the anchors; that project cannot be run here, so its own numbers are
/// quoted, and the conditions it measured under are named in the anchor column).
struct TwinBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twin",
        abstract: "Twin storage: episodes/s, patterns/s, filtered pattern search q/s, DB bytes and open time."
    )

    @OptionGroup var options: BenchOptions

    @Option(help: "Comma-separated pattern counts (default 10000,100000; --quick: 2000).")
    var sizes: String?

    @Option(help: "Comma-separated pattern index kinds: exact, hnsw.")
    var index = "exact,hnsw"

    @Option(help: "Timing repetitions (the median is reported).")
    var repeats = 3

    @Option(help: "Directory for the benchmark databases (default: a fresh temporary directory).")
    var workdir: String?

    static let dimensions = 384
    static let k = 10

    /// The cited project's published figures (issue 5).
    enum Anchor {
        static let episodesUnbatched = 152.0
        static let episodesBatched = 7_692.0
        static let patternSearch = 62.76
        static let patternStoreLow = 1_475.0
        static let patternStoreHigh = 4_536.0
    }

    func run() async throws {
        let sizeList = (sizes ?? (options.quick ? "2000" : "10000,100000")).split(separator: ",").compactMap { Int($0) }
        guard !sizeList.isEmpty, sizeList.allSatisfy({ $0 >= 100 }) else { throw ValidationError("--sizes must list counts ≥ 100") }
        let directory = workdir ?? NSTemporaryDirectory() + "hive-bench-twin-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if workdir == nil { try? FileManager.default.removeItem(atPath: directory) } }

        var report = BenchReport(bench: "twin", params: [
            "dim": "\(Self.dimensions)", "k": "\(Self.k)", "sizes": sizeList.map(String.init).joined(separator: ","),
            "embedding_storage": "int8 codes (scale not stored: decoded to unit length)", "pattern_index": index, "hnsw": "M=16 efConstruction=200 efSearch=64",
            "repeats": "\(repeats)", "quick": "\(options.quick)",
            // What each episode figure's durability means (the store's default is full).
            "durability_default": "full",
            "durability_full": "WAL + synchronous=FULL: a returned commit survives process crash and power loss",
            "durability_normal": "WAL + synchronous=NORMAL: survives a process crash (kill -9); power loss may roll back the last commits",
            "episode_task_embedder": "hashing-384 (each distinct task embedded once, before timing)",
            "pattern_search_query": "precomputed 384-d vectors (no text embedding in the timed path)",
        ])
        print("bench twin  " + report.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        print(BenchReport.header)
        var failures: [String] = []
        let run = TwinBenchRun(directory: directory, quick: options.quick, repeats: max(1, repeats))
        report.add(BenchMetric("fsync_latency", try run.fsyncMilliseconds(), unit: "ms"))
        try run.episodes(into: &report, failures: &failures)
        try run.patternsUnbatched(into: &report, failures: &failures)
        let kinds: [ReasoningBank.IndexKind] = try index.split(separator: ",").map {
            switch $0 {
            case "exact": return .exact
            case "hnsw": return .hnsw()
            default: throw ValidationError("unknown --index \($0); use exact or hnsw")
            }
        }
        for kind in kinds {
            for n in sizeList {
                try run.patterns(n: n, kind: kind, into: &report, failures: &failures)
            }
        }
        if let path = options.json { try report.write(to: path) }
        if !failures.isEmpty {
            for failure in failures { FileHandle.standardError.write(Data("correctness check failed: \(failure)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}
