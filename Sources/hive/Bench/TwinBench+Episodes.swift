import Foundation
import HiveCore
import HiveEmbeddings
import HiveTwin
import Synchronization

extension TwinBenchRun {
    /// The seed's viewer tasks; each distinct task is embedded once, then its episodes reuse it.
    static let tasks = [
        "media_selection", "find a thriller for evening viewing", "continue the series", "weekend family movie",
        "late-night documentary", "something short and funny", "background music while working", "new releases this week",
    ]

    static func episode(_ i: Int, rng: inout BenchRandom) -> EpisodeDraft {
        let reward = Double(rng.uniform())
        return EpisodeDraft(
            sessionID: "session-\(i / 50)", task: tasks[i % tasks.count],
            input: "{\"searchQuery\":\"query \(i)\",\"context\":{\"device\":\"tv\",\"hour\":\(i % 24)}}",
            output: "{\"selectedMedia\":\"m\(i % 997)\",\"watchDuration\":\(Int(reward * 7200))}", reward: reward,
            success: reward >= 0.5, critique: reward >= 0.5 ? "User watched \(Int(reward * 100))% - good recommendation" : "Skipped after \(Int(reward * 100))%",
            latencyMs: Double(rng.next() % 200), tags: ["tv", i % 2 == 0 ? "evening" : "morning"])
    }

    /// Episodes stored one per transaction (durable and not) and in batches of 1,000 (durable).
    func episodes(into report: inout BenchReport, failures: inout [String]) throws {
        let embedder = try HashingEmbedder(dimensions: TwinBench.dimensions)
        var rng = BenchRandom(seed: 5)
        let unbatchedDurable = quick ? 50 : 300
        let unbatchedNormal = quick ? 500 : 5_000
        let batched = quick ? 5_000 : 100_000
        let drafts = (0..<max(unbatchedNormal, batched)).map { Self.episode($0, rng: &rng) }

        for (durability, count) in [(TwinStoreConfiguration.Durability.full, unbatchedDurable), (.normal, unbatchedNormal)] {
            let store = try open("episodes-unbatched-\(durability.rawValue).sqlite", durability: durability, identity: .generate())
            let memory = try ReflexionMemory(store: store, embedder: embedder)
            try memory.storeEpisodes(Array(drafts.prefix(Self.tasks.count)))  // embed every task once first
            let cpu = Self.cpuSeconds()
            let start = ContinuousClock.now
            for draft in drafts.prefix(count) { try memory.storeEpisode(draft) }
            let seconds = Self.seconds(ContinuousClock.now - start)
            let cpuSeconds = Self.cpuSeconds() - cpu
            if try memory.count() != count + Self.tasks.count { failures.append("unbatched \(durability): wrong episode count") }
            var metric = BenchMetric(
                "episodes_per_s_unbatched_\(durability == .full ? "durable" : "wal_normal")", Double(count) / seconds,
                unit: "1/s", anchor: "AgentDB 152/s unbatched", anchorValue: TwinBench.Anchor.episodesUnbatched)
            if durability == .full {
                metric.target = 5_000
                metric.ok = metric.value >= 5_000
            }
            report.add(metric)
            report.add(
                BenchMetric(
                    "episodes_per_cpu_s_unbatched_\(durability == .full ? "durable" : "wal_normal")", Double(count) / cpuSeconds,
                    unit: "1/cpu-s"))
        }

        // Group commit: `callers` threads each storing one episode per call, concurrently; calls
        // that arrive during a commit share the next transaction (and its fsync). Every call
        // returns only after its own episode is committed with the store's durability.
        let callers = quick ? 16 : 64
        for (durability, count) in [(TwinStoreConfiguration.Durability.full, quick ? 2_000 : 20_000), (.normal, quick ? 2_000 : 20_000)] {
            let name = durability == .full ? "durable" : "wal_normal"
            let store = try open("episodes-group-\(durability.rawValue).sqlite", durability: durability, identity: .generate())
            let memory = try ReflexionMemory(store: store, embedder: embedder)
            try memory.storeEpisodes(Array(drafts.prefix(Self.tasks.count)))
            let (seconds, cpuSeconds, errors) = try Self.concurrentStores(memory, drafts: Array(drafts.prefix(count)), callers: callers)
            if let error = errors.first { failures.append("group commit \(name): a call failed: \(error)") }
            if try memory.count() != count + Self.tasks.count { failures.append("group commit \(name): wrong episode count") }
            var metric = BenchMetric(
                "episodes_per_s_one_per_call_\(name)_group_commit_\(callers)_callers", Double(count) / seconds, unit: "1/s",
                anchor: "AgentDB 152/s unbatched", anchorValue: TwinBench.Anchor.episodesUnbatched)
            if durability == .full {
                metric.target = 5_000
                metric.ok = metric.value >= 5_000
            }
            report.add(metric)
            report.add(
                BenchMetric(
                    "episodes_per_cpu_s_one_per_call_\(name)_group_commit_\(callers)_callers", Double(count) / cpuSeconds,
                    unit: "1/cpu-s"))
        }

        // Batches of 1,000, one durable transaction each, into a fresh store per repeat (median reported).
        var walls: [Double] = []
        var cpus: [Double] = []
        for rep in 0..<repeats {
            let store = try open("episodes-batched-\(rep).sqlite", durability: .full, identity: .generate())
            let memory = try ReflexionMemory(store: store, embedder: embedder)
            let cpu = Self.cpuSeconds()
            let start = ContinuousClock.now
            for first in stride(from: 0, to: batched, by: 1_000) {
                try memory.storeEpisodes(Array(drafts[first..<min(batched, first + 1_000)]))
            }
            walls.append(Self.seconds(ContinuousClock.now - start))
            cpus.append(Self.cpuSeconds() - cpu)
            if try memory.count() != batched { failures.append("batched episodes: stored \(try memory.count()) of \(batched)") }
            // Correctness: stored episodes read back decrypted and equal to what was written.
            let probe = try memory.retrieveRelevant(task: Self.tasks[1], k: 1)
            if probe.first?.episode.task != Self.tasks[1] { failures.append("batched episodes: retrieval returned the wrong task") }
            if let hit = probe.first {
                let draft = drafts.prefix(batched).first { $0.input == hit.episode.input }  // inputs are unique
                if draft?.output != hit.episode.output || draft?.critique != hit.episode.critique || draft?.task != hit.episode.task {
                    failures.append("batched episodes: episode \(hit.episode.id) did not read back as written")
                }
            }
            if rep == 0 {
                try store.checkpoint()
                report.add(BenchMetric("episodes_db_bytes_batched_\(batched)", Double(store.fileBytes()), unit: "B"))
            }
        }
        let seconds = walls.sorted()[walls.count / 2]
        let cpuSeconds = cpus.sorted()[cpus.count / 2]
        var metric = BenchMetric(
            "episodes_per_s_batched_durable", Double(batched) / seconds, unit: "1/s",
            anchor: "AgentDB 7,692/s (in-memory)", anchorValue: TwinBench.Anchor.episodesBatched)
        metric.target = 100_000
        metric.ok = metric.value >= 100_000
        report.add(metric)
        report.add(BenchMetric("episodes_per_cpu_s_batched_durable", Double(batched) / cpuSeconds, unit: "1/cpu-s"))
    }

    /// Stores `drafts` one per call from `callers` threads; wall and process CPU seconds, and any errors.
    static func concurrentStores(
        _ memory: ReflexionMemory, drafts: [EpisodeDraft], callers: Int
    ) throws -> (Double, Double, [String]) {
        let errors = Mutex<[String]>([])
        let group = DispatchGroup()
        let cpu = cpuSeconds()
        let start = ContinuousClock.now
        for caller in 0..<callers {
            group.enter()
            let mine = stride(from: caller, to: drafts.count, by: callers).map { drafts[$0] }
            let thread = Thread {
                for draft in mine {
                    do { try memory.storeEpisode(draft) } catch { errors.withLock { $0.append("\(error)") } }
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return (seconds(ContinuousClock.now - start), cpuSeconds() - cpu, errors.withLock { $0 })
    }
}
