import ArgumentParser
import Foundation
import HiveCore
import HiveLedger
import HiveLedgerStorage

/// `hive bench ledger`: append throughput on SQLite files (one entry per transaction and
/// batched) and proof generation time at 1M entries, beside pymerkle (an RFC 9162 Merkle tree
/// library on SQLite) measured in the same run by `scripts/anchors/ledger.py`.
///
/// Correctness checks (exit non-zero on failure): every generated proof verifies against the
/// root of an independently built in-memory tree; the stored root equals that root and the
/// anchor's root for the same entries; the audit of the 1M-entry log passes.
struct LedgerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Ledger appends/s (per transaction and batched) and proof time at 1M entries, vs pymerkle."
    )

    @OptionGroup var options: BenchOptions

    @Option(help: "Python interpreter for the anchor (needs scripts/anchors/requirements.txt).")
    var python = "python3"

    @Flag(help: "Skip the Python anchor (scripts/anchors/ledger.py), e.g. when profiling our side alone.")
    var noAnchor = false

    @Option(help: "Directory for the benchmark's SQLite files (default: a temporary directory, removed afterwards).")
    var workDirectory: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func entry(_ i: Int) -> [UInt8] { Array("hive-ledger-bench-\(i)".utf8) }

    func run() async throws {
        let single = options.quick ? 2_000 : 20_000
        let size = options.quick ? 100_000 : 1_000_000
        let batch = 1_000
        let proofs = options.quick ? 200 : 1_000
        let anchorProofs = options.quick ? 50 : 200
        var report = BenchReport(bench: "ledger", params: [
            "single_tx_entries": "\(single)", "batched_entries": "\(size)", "batch": "\(batch)",
            "proof_tree_size": "\(size)", "proofs": "\(proofs)", "storage": "SQLite WAL (GRDB DatabasePool)",
        ])
        let base = workDirectory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("hive-bench-ledger-\(UUID().uuidString)").path
        defer { if workDirectory == nil { try? FileManager.default.removeItem(atPath: base) } }

        // Anchor first, so both sides see the same (idle) machine state.
        var anchor: [String: Any]?
        if !noAnchor {
            progress("anchor: pymerkle SqliteTree (\(single) single, \(size) batched, \(anchorProofs) proofs)…")
            anchor = runAnchor(single: single, size: size, batch: batch, proofs: anchorProofs)
        }

        // Reference tree, built in memory independently of storage.
        var reference = MerkleTree()
        for i in 0..<size { reference.append(entry: Self.entry(i)) }

        // 1. One entry per transaction.
        progress("ours: \(single) appends, one per transaction…")
        let singleStore = try SQLiteLedgerStore.open(dataDirectory: base + "/single")
        let singleStart = ContinuousClock.now
        for i in 0..<single {
            try await singleStore.append([Self.entry(i)])
        }
        let singleRate = Double(single) / seconds(ContinuousClock.now - singleStart)
        try await check(singleStore, size: single, reference: reference)

        // 2. Batched, building the log the proofs are measured on.
        progress("ours: \(size) appends in batches of \(batch)…")
        let store = try SQLiteLedgerStore.open(dataDirectory: base + "/batched")
        let batchStart = ContinuousClock.now
        let batchCPUStart = Self.processCPUSeconds()
        var next = 0
        while next < size {
            let count = min(batch, size - next)
            try await store.append((next..<(next + count)).map(Self.entry))
            next += count
            if next % (size / 10) == 0 { progress("  \(next * 100 / size)%") }
        }
        let batchedRate = Double(size) / seconds(ContinuousClock.now - batchStart)
        let batchedCPURate = Double(size) / max(1e-9, Self.processCPUSeconds() - batchCPUStart)
        try await check(store, size: size, reference: reference)

        // 3. Proofs at full size.
        progress("ours: \(proofs) inclusion and \(proofs) consistency proofs at \(size) entries…")
        var rng = SystemRandomNumberGenerator()
        let root = reference.rootHash
        var inclusionTimes: [Double] = []
        let inclusionCPUStart = Self.processCPUSeconds()
        for _ in 0..<proofs {
            let leaf = UInt64.random(in: 0..<UInt64(size), using: &rng)
            let start = ContinuousClock.now
            let proof = try await store.inclusionProof(leafIndex: leaf, treeSize: UInt64(size))
            inclusionTimes.append(seconds(ContinuousClock.now - start) * 1e6)
            guard proof.verify(leafHash: Merkle.leafHash(Self.entry(Int(leaf))), rootHash: root) else {
                throw Failure(description: "inclusion proof for leaf \(leaf) does not verify")
            }
        }
        let inclusionCPU = (Self.processCPUSeconds() - inclusionCPUStart) / Double(proofs) * 1e6
        var consistencyTimes: [Double] = []
        let consistencyCPUStart = Self.processCPUSeconds()
        for _ in 0..<proofs {
            let first = UInt64.random(in: 1..<UInt64(size), using: &rng)
            let start = ContinuousClock.now
            let proof = try await store.consistencyProof(firstSize: first, secondSize: UInt64(size))
            consistencyTimes.append(seconds(ContinuousClock.now - start) * 1e6)
            guard proof.verify(firstRoot: try reference.rootHash(atSize: first), secondRoot: root) else {
                throw Failure(description: "consistency proof \(first) → \(size) does not verify")
            }
        }

        let consistencyCPU = (Self.processCPUSeconds() - consistencyCPUStart) / Double(proofs) * 1e6

        // 4. Full audit of the log (what `hive ledger verify` does).
        progress("ours: auditing \(size) entries…")
        let auditStart = ContinuousClock.now
        let audit = try await LedgerAuditor().audit(store)
        let auditRate = Double(size) / seconds(ContinuousClock.now - auditStart)
        guard audit.rootHash == root, audit.entries == UInt64(size) else {
            throw Failure(description: "audit recomputed root \(audit.rootHash), expected \(root)")
        }
        if let anchorRoot = anchor?["root_hex"] as? String, anchorRoot != root.hex {
            throw Failure(description: "pymerkle's root \(anchorRoot) differs from ours \(root.hex) for the same entries")
        }

        print("")
        report.printTable()
        func anchorValue(_ key: String) -> Double? { anchor?[key] as? Double }
        let anchorName = "pymerkle SqliteTree"
        report.add(BenchMetric(
            "appends_per_s_one_per_transaction", singleRate, unit: "appends/s",
            anchor: anchorName, anchorValue: anchorValue("single_appends_per_s")))
        var batched = BenchMetric(
            "appends_per_s_batched_\(batch)", batchedRate, unit: "appends/s",
            anchor: anchorName, anchorValue: anchorValue("batched_appends_per_s"))
        batched.target = 100_000
        batched.ok = batchedRate >= 100_000
        report.add(batched)
        for (name, times, key) in [
            ("inclusion_proof_median_at_\(size)", inclusionTimes, "inclusion_proof_us_median"),
            ("consistency_proof_median_at_\(size)", consistencyTimes, "consistency_proof_us_median"),
        ] {
            var metric = BenchMetric(
                name, percentile(times, 0.5), unit: "µs", anchor: anchorName, anchorValue: anchorValue(key), lowerIsBetter: true)
            metric.target = 1_000
            metric.ok = metric.value <= 1_000
            report.add(metric)
        }
        var inclusionP99 = BenchMetric("inclusion_proof_p99_at_\(size)", percentile(inclusionTimes, 0.99), unit: "µs", target: 1_000, lowerIsBetter: true)
        inclusionP99.ok = inclusionP99.value <= 1_000
        report.add(inclusionP99)
        report.add(BenchMetric("consistency_proof_p99_at_\(size)", percentile(consistencyTimes, 0.99), unit: "µs", target: 1_000, lowerIsBetter: true))
        report.add(BenchMetric("audit_entries_per_s", auditRate, unit: "entries/s"))
        // CPU time of the whole process (nothing else runs in it meanwhile): what the code costs,
        // independent of how much of a shared machine's cores the scheduler gave us.
        report.add(BenchMetric("appends_per_cpu_s_batched_\(batch)", batchedCPURate, unit: "appends/CPU-s"))
        report.add(BenchMetric("inclusion_proof_cpu_mean_at_\(size)", inclusionCPU, unit: "µs CPU", lowerIsBetter: true))
        report.add(BenchMetric("consistency_proof_cpu_mean_at_\(size)", consistencyCPU, unit: "µs CPU", lowerIsBetter: true))
        print("checks: every proof verified against an independent in-memory tree; stored, audited"
            + (anchor == nil ? "" : " and pymerkle") + " roots agree (\(root.hex.prefix(16))…)")
        if let json = options.json { try report.write(to: json) }
    }

    private func check(_ store: SQLiteLedgerStore, size: Int, reference: MerkleTree) async throws {
        let stored = try await store.rootHash(atSize: UInt64(size))
        let expected = try reference.rootHash(atSize: UInt64(size))
        guard try await store.size() == UInt64(size), stored == expected else {
            throw Failure(description: "stored root at \(size) is \(stored), expected \(expected)")
        }
    }

    /// Runs the Python anchor; nil (with a warning) when it cannot run.
    private func runAnchor(single: Int, size: Int, batch: Int, proofs: Int) -> [String: Any]? {
        let script = "scripts/anchors/ledger.py"
        guard FileManager.default.fileExists(atPath: script) else {
            progress("warning: \(script) not found (run from the repository root); no anchor figures")
            return nil
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("hive-ledger-anchor-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--single", "\(single)", "--batched", "\(size)", "--batch", "\(batch)",
                             "--proof-size", "\(size)", "--proofs", "\(proofs)", "--out", out]
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            progress("warning: cannot run \(python): \(error); no anchor figures")
            return nil
        }
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: out),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            progress("warning: the anchor failed (pip install -r scripts/anchors/requirements.txt?); no anchor figures")
            return nil
        }
        return object
    }

    /// CPU time consumed by this process so far (all threads: SQLite's and ours).
    static func processCPUSeconds() -> Double {
        var time = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time) == 0 else { return 0 }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }
}
