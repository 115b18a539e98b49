import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import HiveVectors

/// `hive bench vectors`: exact (f32, int8 + rescoring) and HNSW search against FAISS
/// `IndexFlatIP` and hnswlib, measured in the same run on the same vectors.
struct VectorsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Vector search: FlatIndex, QuantizedFlatIndex and HNSWIndex vs FAISS and hnswlib (scripts/anchors/vectors.py)."
    )

    @OptionGroup var options: BenchOptions

    @Option(help: "Comma-separated index sizes (default 10000,100000; --quick: 2000).")
    var sizes: String?

    @Option(help: "Comma-separated data sets: random, clustered.")
    var datasets = "random,clustered"

    @Option(help: "Comma-separated thread counts.")
    var threads = "1,2"

    @Option(help: "Python interpreter with faiss-cpu and hnswlib (scripts/anchors/requirements.txt).")
    var python = "python3"

    @Option(help: "Path of the anchor script.")
    var anchorScript = "scripts/anchors/vectors.py"

    @Option(help: "Comma-separated HNSW ef values to sweep.")
    var ef = "10,16,32,64,128,256"

    @Option(help: "Timing repetitions (the median is reported).")
    var repeats = 3

    @Option(help: "Comma-separated parts to run: flat, int8, hnsw.")
    var parts = "flat,int8,hnsw"

    @Flag(help: "Skip the Python anchors (for profiling our side only; no ratios are reported).")
    var noAnchors = false

    static let d = 384
    static let k = 10

    func run() async throws {
        let sizeList = (sizes ?? (options.quick ? "2000" : "10000,100000")).split(separator: ",").compactMap { Int($0) }
        let kinds = datasets.split(separator: ",").compactMap { VectorsBenchData.Kind(rawValue: String($0)) }
        let threadList = threads.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        let efList = ef.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        guard !sizeList.isEmpty, !kinds.isEmpty, !threadList.isEmpty, !efList.isEmpty else {
            throw ValidationError("empty --sizes, --datasets, --threads or --ef")
        }
        let workdir = NSTemporaryDirectory() + "hive-bench-vectors-\(getpid())"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workdir) }

        var report = BenchReport(bench: "vectors", params: [
            "dim": "\(Self.d)", "k": "\(Self.k)", "sizes": sizeList.map(String.init).joined(separator: ","),
            "datasets": kinds.map(\.rawValue).joined(separator: ","), "threads": threadList.map(String.init).joined(separator: ","),
            "hnsw": "M=16 efConstruction=200", "quick": "\(options.quick)",
        ])
        print("bench vectors  " + report.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        print(BenchReport.header)
        var failures: [String] = []
        for kind in kinds {
            for n in sizeList {
                let run = VectorsBenchRun(
                    kind: kind, n: n, quick: options.quick, parts: Set(parts.split(separator: ",").map(String.init)), threads: threadList, efs: efList, repeats: max(1, repeats),
                    workdir: workdir, python: python, script: anchorScript, anchors: !noAnchors
                )
                try run.execute(into: &report, failures: &failures)
            }
        }
        if let path = options.json { try report.write(to: path) }
        if !failures.isEmpty {
            for f in failures { FileHandle.standardError.write(Data("correctness check failed: \(f)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}

/// One data set at one size: generate, run the anchor, measure ours, compare.
struct VectorsBenchRun {
    let kind: VectorsBenchData.Kind
    let n: Int
    let quick: Bool
    let parts: Set<String>
    let threads: [Int]
    let efs: [Int]
    let repeats: Int
    let workdir: String
    let python: String
    let script: String
    let anchors: Bool
    let k = VectorsBench.k
    let d = VectorsBench.d

    var tag: String { "\(kind.rawValue)_\(n >= 1000 && n % 1000 == 0 ? "\(n / 1000)k" : "\(n)")" }
    /// Graph indexes are built on the clustered set at every size, and on random vectors only
    /// at small sizes (recall there is low for every library; the targets are on clustered data).
    var runsHNSW: Bool { parts.contains("hnsw") && (kind == .clustered || n <= 10_000) }

    func execute(into report: inout BenchReport, failures: inout [String]) throws {
        let queryCount = quick ? 200 : 1000
        let singleCount = quick ? 100 : (n >= 50_000 ? 200 : 1000)
        let checkCount = 100
        FileHandle.standardError.write(Data("[\(tag)] generating \(n) + \(queryCount) vectors…\n".utf8))
        let data = VectorsBenchData(kind: kind, n: n, queries: queryCount, d: d, seed: kind == .random ? 1 : 2)
        let dataPath = "\(workdir)/\(tag).bin"
        try data.write(to: dataPath)

        FileHandle.standardError.write(Data("[\(tag)] running anchor (FAISS\(runsHNSW ? ", hnswlib" : ""))…\n".utf8))
        let anchor = anchors ? runAnchor(dataPath: dataPath, single: singleCount, batch: queryCount, check: checkCount) : nil

        let ids = (0..<n).map { VectorID($0) }
        let queries = data.queries
        func query(_ i: Int) -> [Float] { Array(queries[(i * d)..<((i + 1) * d)]) }
        let queryRows = (0..<queryCount).map(query)

        // Exact f32.
        FileHandle.standardError.write(Data("[\(tag)] FlatIndex…\n".utf8))
        var flat = try FlatIndex(dimension: d, metric: .cosine, capacity: n)
        let flatBuild = try timed { try flat.add(ids: ids, vectors: data.base) }
        report.add(BenchMetric("\(tag)_flat_build_vps", Double(n) / flatBuild, unit: "vec/s"))
        let truth = try flat.search(batch: queries, k: k, filter: nil, threads: threads.max() ?? 1).map { $0.map(\.id) }
        // Correctness: batch equals single, and both equal FAISS's exact ids.
        for i in 0..<checkCount where try flat.search(queryRows[i], k: k).map(\.id) != truth[i] {
            failures.append("\(tag): flat single-query result \(i) differs from batch result")
            break
        }
        if let faissIDs = anchor?["ids"] as? [[Int]] {
            var agree = 0, total = 0
            for (i, row) in faissIDs.prefix(checkCount).enumerated() {
                total += k
                agree += Set(row.map(VectorID.init)).intersection(truth[i]).count
            }
            let agreement = Double(agree) / Double(max(total, 1))
            report.add(BenchMetric("\(tag)_flat_agreement_with_faiss", agreement, unit: "fraction", target: 0.999))
            if agreement < 0.995 { failures.append("\(tag): exact results agree with FAISS on only \(agreement) of ids") }
        }
        let flatFile = "\(workdir)/\(tag).flat"
        let flatChecksum = try flat.save(to: flatFile)
        report.add(BenchMetric("\(tag)_flat_index_bytes", Double(flat.byteCount), unit: "bytes", anchor: "faiss IndexFlatIP file", anchorValue: anchor?["index_bytes"] as? Double, lowerIsBetter: true))
        let loadMS = try loadTime { try FlatIndex(contentsOf: flatFile, expectedChecksum: flatChecksum) }
        report.add(BenchMetric("\(tag)_flat_load_ms", loadMS, unit: "ms", anchor: "faiss read_index", anchorValue: anchor?["load_ms"] as? Double, lowerIsBetter: true))
        if n >= 100_000 { report.add(BenchMetric("\(tag)_flat_load_ms_vs_budget", loadMS, unit: "ms", target: 100, lowerIsBetter: true)) }
        let reloaded = try FlatIndex(contentsOf: flatFile, expectedChecksum: flatChecksum)
        if try reloaded.search(queryRows[0], k: k).map(\.id) != truth[0] { failures.append("\(tag): reloaded flat index answers differently") }

        let flatAnchor = anchor?["flat"] as? [String: [String: Double]]
        for t in threads where parts.contains("flat") {
            let single = try medianOf(repeats) { try Self.parallelQPS(threads: t, count: singleCount) { [flat, k, queryRows] i in try flat.search(queryRows[i], k: k) } }
            let faissSingle = flatAnchor?["\(t)"]?["single_qps"]
            report.add(BenchMetric("\(tag)_flat_single_qps_t\(t)", single, unit: "q/s", anchor: "faiss IndexFlatIP 1/call", anchorValue: faissSingle, target: t == 1 && n >= 100_000 ? 1.1 : nil))
            report.add(BenchMetric("\(tag)_flat_single_distances_per_s_t\(t)", single * Double(n), unit: "dist/s"))
            let batch = try medianOf(repeats) {
                Double(queryCount) / (try timed { _ = try flat.search(batch: queries, k: k, filter: nil, threads: t) })
            }
            report.add(BenchMetric("\(tag)_flat_batch\(queryCount)_qps_t\(t)", batch, unit: "q/s", anchor: "faiss IndexFlatIP \(queryCount)/call", anchorValue: flatAnchor?["\(t)"]?["batch_qps"], target: 0.8))
            report.add(BenchMetric("\(tag)_flat_batch_distances_per_s_t\(t)", batch * Double(n), unit: "dist/s"))

            // Int8 with rescoring (compared with FAISS f32, 1 query/call).
            if t == threads.first {
                FileHandle.standardError.write(Data("[\(tag)] QuantizedFlatIndex…\n".utf8))
            }
        }

        try measureInt8(flat: flat, truth: truth, queryRows: queryRows, singleCount: singleCount, flatAnchor: flatAnchor, into: &report, failures: &failures)
        try measureHNSW(data: data, ids: ids, flat: flat, truth: truth, queryRows: queryRows, anchor: anchor, into: &report, failures: &failures)
    }

    func measureInt8(
        flat: FlatIndex, truth: [[VectorID]], queryRows: [[Float]], singleCount: Int, flatAnchor: [String: [String: Double]]?,
        into report: inout BenchReport, failures: inout [String]
    ) throws {
        guard parts.contains("int8") else { return }
        let queryCount = queryRows.count
        var quantized = QuantizedFlatIndex(flat)
        let qBuild = timed { quantized = QuantizedFlatIndex(flat) }
        report.add(BenchMetric("\(tag)_int8_quantize_vps", Double(n) / qBuild, unit: "vec/s"))
        var qHits = 0
        for (i, row) in queryRows.enumerated() {
            qHits += Set(try quantized.search(row, k: k).map(\.id)).intersection(truth[i]).count
        }
        let qRecall = Double(qHits) / Double(queryCount * k)
        report.add(BenchMetric("\(tag)_int8_recall_at_10", qRecall, unit: "recall", target: 0.99))
        if qRecall < 0.9 { failures.append("\(tag): int8 recall \(qRecall) is far below exact") }
        report.add(BenchMetric("\(tag)_int8_scanned_bytes", Double(quantized.codeByteCount), unit: "bytes"))
        let qFile = "\(workdir)/\(tag).q8"
        let qChecksum = try quantized.save(to: qFile)
        let qLoad = try loadTime { try QuantizedFlatIndex(contentsOf: qFile, expectedChecksum: qChecksum) }
        report.add(BenchMetric("\(tag)_int8_load_ms", qLoad, unit: "ms"))
        for t in threads {
            let qps = try medianOf(repeats) { try Self.parallelQPS(threads: t, count: singleCount) { [quantized, k, queryRows] i in try quantized.search(queryRows[i], k: k) } }
            report.add(BenchMetric("\(tag)_int8_single_qps_t\(t)", qps, unit: "q/s", anchor: "faiss IndexFlatIP 1/call", anchorValue: flatAnchor?["\(t)"]?["single_qps"], target: t == 1 ? 3.0 : nil))
        }

    }

    func measureHNSW(
        data: VectorsBenchData, ids: [VectorID], flat: FlatIndex, truth: [[VectorID]], queryRows: [[Float]], anchor: [String: Any]?,
        into report: inout BenchReport, failures: inout [String]
    ) throws {
        guard runsHNSW else { return }
        let queryCount = queryRows.count
        FileHandle.standardError.write(Data("[\(tag)] HNSWIndex build (1 thread)…\n".utf8))
        var hnsw = try HNSWIndex(dimension: d, metric: .cosine, m: 16, efConstruction: 200, efSearch: 64, capacity: n)
        let hnswBuild = try timed { try hnsw.add(ids: ids, vectors: data.base) }
        let anchorHNSW = anchor?["hnsw"] as? [String: Any]
        report.add(BenchMetric("\(tag)_hnsw_build_vps_t1", Double(n) / hnswBuild, unit: "vec/s", anchor: "hnswlib M=16 efC=200", anchorValue: anchorHNSW?["build_vps"] as? Double, target: kind == .clustered ? 1.0 : nil))
        report.add(BenchMetric("\(tag)_hnsw_index_bytes", Double(hnsw.byteCount), unit: "bytes", anchor: "hnswlib save_index", anchorValue: anchorHNSW?["index_bytes"] as? Double, lowerIsBetter: true))
        let hFile = "\(workdir)/\(tag).hnsw"
        let hChecksum = try hnsw.save(to: hFile)
        let hLoad = try loadTime { try HNSWIndex(contentsOf: hFile, expectedChecksum: hChecksum) }
        report.add(BenchMetric("\(tag)_hnsw_load_ms", hLoad, unit: "ms"))
        // Work per unit of beam width: calibrates HNSWIndex's filtered-search cost estimate.
        let walkSample = min(100, queryRows.count)
        var walked = 0
        for row in queryRows.prefix(walkSample) { walked += try hnsw.walkCost(row, ef: 64) }
        report.add(BenchMetric("\(tag)_hnsw_walk_distances_per_ef", Double(walked) / Double(walkSample * 64), unit: "dist/ef"))

        let sweeps = anchorHNSW?["sweep"] as? [String: [[String: Double]]]
        var bestRecall = 0.0
        for t in threads {
            var ours: [(ef: Int, qps: Double, recall: Double)] = []
            for efValue in efs {
                var hits = 0
                for (i, row) in queryRows.enumerated() {
                    hits += Set(try hnsw.search(row, k: k, ef: efValue).map(\.id)).intersection(truth[i]).count
                }
                let r = Double(hits) / Double(queryCount * k)
                bestRecall = max(bestRecall, r)
                let qps = try medianOf(repeats) {
                    try Self.parallelQPS(threads: t, count: queryCount) { [hnsw, k, queryRows] i in try hnsw.search(queryRows[i], k: k, ef: efValue) }
                }
                ours.append((efValue, qps, r))
                let theirs = sweeps?["\(t)"]?.first { Int($0["ef"] ?? -1) == efValue }
                report.add(BenchMetric("\(tag)_hnsw_ef\(efValue)_recall_t\(t)", r, unit: "recall", anchor: "hnswlib recall", anchorValue: theirs?["recall"]))
                report.add(BenchMetric("\(tag)_hnsw_ef\(efValue)_qps_t\(t)", qps, unit: "q/s", anchor: "hnswlib knn_query", anchorValue: theirs?["qps"]))
            }
            // Queries/s at recall@10 ≥ 0.95: the fastest sweep point reaching it, on each side.
            let oursAt = ours.filter { $0.recall >= 0.95 }.map(\.qps).max()
            let theirsAt = sweeps?["\(t)"]?.filter { ($0["recall"] ?? 0) >= 0.95 }.compactMap { $0["qps"] }.max()
            if let oursAt {
                report.add(BenchMetric("\(tag)_hnsw_qps_at_recall95_t\(t)", oursAt, unit: "q/s", anchor: "hnswlib at recall≥0.95", anchorValue: theirsAt, target: kind == .clustered ? 1.0 : nil))
            } else {
                report.add(BenchMetric("\(tag)_hnsw_qps_at_recall95_t\(t)", 0, unit: "q/s (recall<0.95)", anchor: "hnswlib at recall≥0.95", anchorValue: theirsAt))
            }
        }
        let floor = kind == .clustered ? 0.9 : 0.5
        if bestRecall < floor { failures.append("\(tag): HNSW best recall \(bestRecall) < \(floor)") }
        try measureFilteredHNSW(hnsw: hnsw, flat: flat, queryRows: queryRows, into: &report, failures: &failures)
    }

    /// Filtered search at several selectivities (a bitmap by id, the form the twin store hands
    /// over): HNSWIndex at its default ef against the exact FlatIndex scan with the same filter,
    /// 1 thread, and HNSW's recall@10 against that exact filtered answer. A selective filter must
    /// not make the graph index slower than scanning.
    func measureFilteredHNSW(
        hnsw: HNSWIndex, flat: FlatIndex, queryRows: [[Float]], into report: inout BenchReport, failures: inout [String]
    ) throws {
        let count = min(queryRows.count, quick ? 100 : 200)
        for share in [2, 6, 30] {
            // Deterministic pseudo-random membership, independent of the clusters.
            var mask = [Bool](repeating: false, count: n)
            for i in 0..<n { mask[i] = ((UInt64(i) &* 0x9E37_79B9_7F4A_7C15) >> 40) % UInt64(share) == 0 }
            let filter = VectorFilter.mask(mask)
            var hits = 0, expected = 0
            for i in 0..<count {
                let exact = try flat.search(queryRows[i], k: k, filter: filter).map(\.id)
                let got = try hnsw.search(queryRows[i], k: k, filter: filter).map(\.id)
                if got.contains(where: { !mask[Int($0)] }) { failures.append("\(tag): filtered HNSW returned an id the filter rejects") }
                if got.count != exact.count { failures.append("\(tag): filtered HNSW returned \(got.count) hits, exact \(exact.count)") }
                hits += Set(got).intersection(exact).count
                expected += exact.count
            }
            let recall = Double(hits) / Double(max(expected, 1))
            let exactQPS = try medianOf(repeats) { try Self.parallelQPS(threads: 1, count: count) { [flat, k, queryRows] i in try flat.search(queryRows[i], k: k, filter: filter) } }
            let hnswQPS = try medianOf(repeats) { try Self.parallelQPS(threads: 1, count: count) { [hnsw, k, queryRows] i in try hnsw.search(queryRows[i], k: k, filter: filter) } }
            report.add(BenchMetric("\(tag)_hnsw_filtered_1in\(share)_recall", recall, unit: "recall"))
            report.add(BenchMetric("\(tag)_hnsw_filtered_1in\(share)_qps_t1", hnswQPS, unit: "q/s", anchor: "FlatIndex exact, same filter", anchorValue: exactQPS, target: 1.0))
            if recall < 0.9 { failures.append("\(tag): filtered HNSW recall \(recall) at 1 in \(share)") }
        }
    }

    // MARK: helpers

    func runAnchor(dataPath: String, single: Int, batch: Int, check: Int) -> [String: Any]? {
        let outPath = dataPath + ".anchor.json"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = [
            python, script, "--data", dataPath, "--out", outPath, "--threads", threads.map(String.init).joined(separator: ","),
            "--single", "\(single)", "--batch", "\(batch)", "--check", "\(check)", "--repeat", "\(repeats)",
            "--ef", efs.map(String.init).joined(separator: ","),
        ]
        if runsHNSW { arguments.append("--hnsw") }
        process.arguments = arguments
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            FileHandle.standardError.write(Data("warning: cannot run anchor \(script): \(error)\n".utf8))
            return nil
        }
        guard process.terminationStatus == 0,
              let json = try? Data(contentsOf: URL(fileURLWithPath: outPath)),
              let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any]
        else {
            FileHandle.standardError.write(Data("warning: anchor \(script) failed (status \(process.terminationStatus)); install scripts/anchors/requirements.txt. Ratios are omitted.\n".utf8))
            return nil
        }
        return Self.numbersAsDoubles(object) as? [String: Any]
    }

    /// JSON numbers arrive as NSNumber/Int; normalise the anchor's figures to Double (ids stay Int).
    static func numbersAsDoubles(_ value: Any) -> Any {
        if let dict = value as? [String: Any] {
            var out: [String: Any] = [:]
            for (key, v) in dict { out[key] = key == "ids" ? v : numbersAsDoubles(v) }
            return out
        }
        if let array = value as? [Any] { return array.map(numbersAsDoubles) }
        if let number = value as? NSNumber { return number.doubleValue }
        return value
    }

    func timed(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Median milliseconds to open a saved index (checksum verified), from the call until the
    /// index can answer; releasing the previous copy (unmapping) is not counted.
    func loadTime<I: VectorIndex>(_ load: () throws -> I) throws -> Double {
        var loaded: I?
        return try medianOf(max(repeats, 5)) {
            loaded = nil
            let start = DispatchTime.now().uptimeNanoseconds
            loaded = try load()
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if loaded?.count == 0 { throw ValidationError("a loaded index is empty") }
            return ms
        }
    }

    func medianOf(_ count: Int, _ body: () throws -> Double) rethrows -> Double {
        var values: [Double] = []
        for _ in 0..<count { values.append(try body()) }
        values.sort()
        return values[values.count / 2]
    }

    /// Queries/s with `threads` concurrent readers of one index, each running its share of
    /// `count` single-query searches.
    static func parallelQPS(threads: Int, count: Int, _ search: @Sendable (Int) throws -> [SearchHit]) throws -> Double {
        let failed = Atomic<Bool>(false)
        let start = DispatchTime.now().uptimeNanoseconds
        if threads == 1 {
            for i in 0..<count where try search(i).isEmpty { failed.store(true, ordering: .relaxed) }
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var i = t
                while i < count {
                    if (try? search(i))?.isEmpty ?? true { failed.store(true, ordering: .relaxed) }
                    i += threads
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if failed.load(ordering: .relaxed) { throw ValidationError("a search returned no results") }
        return Double(count) / seconds
    }
}
