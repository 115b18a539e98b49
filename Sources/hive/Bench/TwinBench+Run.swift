import Foundation
import HiveCore
import HiveTwin

/// The measurements of `hive bench twin`.
struct TwinBenchRun {
    let directory: String
    let quick: Bool
    let repeats: Int

    static let genres = ["thriller", "comedy", "drama", "documentary", "sci-fi", "horror", "romance", "animation"]
    static let moods = ["calm", "excited", "curious", "tired"]
    static let times = ["morning", "afternoon", "evening", "late-night"]

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    func open(_ name: String, durability: TwinStoreConfiguration.Durability, identity: NodeIdentity) throws -> TwinStore {
        var configuration = TwinStoreConfiguration()
        configuration.durability = durability
        return try TwinStore(path: path(name), identity: identity, userID: "bench", configuration: configuration)
    }

    /// Median seconds of `body` over the repeats.
    func median(_ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return times.sorted()[times.count / 2]
    }

    /// Median wall-clock and process CPU seconds of `body` over the repeats. On a shared machine
    /// the CPU figure is the steadier one: time spent waiting for a core is not in it.
    func medians(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
        var walls: [Double] = []
        var cpus: [Double] = []
        for _ in 0..<repeats {
            let cpu = Self.cpuSeconds()
            let start = ContinuousClock.now
            try body()
            walls.append(Self.seconds(ContinuousClock.now - start))
            cpus.append(Self.cpuSeconds() - cpu)
        }
        return (walls.sorted()[walls.count / 2], cpus.sorted()[cpus.count / 2])
    }

    /// CPU time used by this process so far (all threads).
    static func cpuSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// Median latency of write + fsync of one 4 KiB page on this disk: the floor under any durable commit.
    func fsyncMilliseconds() throws -> Double {
        let file = path("fsync-probe")
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: file) }
        guard let handle = FileHandle(forWritingAtPath: file) else { throw HiveError(.io, "cannot open \(file)") }
        defer { try? handle.close() }
        let page = Data(repeating: 0x5A, count: 4096)
        var samples: [Double] = []
        for _ in 0..<(quick ? 20 : 100) {
            let start = ContinuousClock.now
            try handle.write(contentsOf: page)
            try handle.synchronize()
            samples.append(Self.seconds(ContinuousClock.now - start) * 1000)
        }
        return samples.sorted()[samples.count / 2]
    }

    /// A pattern like the seed's examples, with a clustered synthetic 384-d vector (cluster = genre).
    static func pattern(_ i: Int, rng: inout BenchRandom) -> (PatternDraft, [Float]) {
        let genre = genres[i % genres.count]
        let mood = moods[(i / 8) % moods.count]
        let time = times[(i / 32) % times.count]
        let draft = PatternDraft(
            taskType: Pattern.TaskType.allCases[i % 4],
            approach: "Similar to recent 5-star rated \(genre) for a \(mood) \(time) #\(i)",
            tags: [genre, time], context: Pattern.Context(genres: [genre], mood: mood, timeOfDay: time),
            alpha: Double(1 + rng.next() % 20), beta: Double(1 + rng.next() % 8), origin: i % 5 == 0 ? .global : .local)
        var vector = Self.clusterCentre(i % genres.count, dimensions: TwinBench.dimensions)
        for j in 0..<vector.count { vector[j] += rng.gaussian() * 0.35 }
        return (draft, vector)
    }
}

extension TwinBenchRun {
    /// A fixed centre per cluster (the benchmark's "genre" direction).
    static func clusterCentre(_ cluster: Int, dimensions: Int) -> [Float] {
        var local = BenchRandom(seed: 0xC0FFEE &+ UInt64(cluster) &* 7919)
        return (0..<dimensions).map { _ in local.gaussian() }
    }
}
