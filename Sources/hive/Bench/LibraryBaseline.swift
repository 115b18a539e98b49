import Foundation
import HiveCore
import HiveEvaluation

/// The centralised library baseline for `hive bench recsys`: `scripts/anchors/recsys.py` trains
/// the `implicit` package's BPR and ALS on the identical split (written here) and scores the same
/// test cases with the same metric; the stronger of the two is the anchor.
struct LibraryBaseline {
    var name: String
    var hitRate10: Double
    var ndcg10: Double

    /// The anchor script started on `split` (written to a temporary directory); collect its
    /// result with ``Running/wait()``. It runs while the Swift systems train.
    static func start(split: LeaveOneOutSplit, seed: UInt64, quick: Bool) throws -> Running {
        let directory = NSTemporaryDirectory() + "hive-recsys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var text = "\(split.userCount) \(split.itemCount)\n"
        for (user, items) in split.train.enumerated() { for item in items { text += "t \(user) \(item)\n" } }
        for test in split.tests {
            text += "q \(test.user) \(test.heldOut) " + test.negatives.map(String.init).joined(separator: " ") + "\n"
        }
        let splitPath = directory + "/split.txt"
        do {
            try text.write(toFile: splitPath, atomically: true, encoding: .utf8)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../../scripts/anchors/recsys.py").standardized.path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, splitPath, "--seed", String(seed)] + (quick ? ["--quick"] : [])
            // Its output (a short JSON list) goes to a file, so no pipe can fill while nobody reads it.
            let outputPath = directory + "/result.json"
            FileManager.default.createFile(atPath: outputPath, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
            try process.run()
            return Running(process: process, directory: directory, outputPath: outputPath)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// The script while it runs.
    struct Running {
        let process: Process
        let directory: String
        let outputPath: String

        /// Waits for the script and returns the stronger of its two models.
        func wait() throws -> LibraryBaseline {
            defer { try? FileManager.default.removeItem(atPath: directory) }
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw HiveError(.unavailable, "scripts/anchors/recsys.py failed (exit \(process.terminationStatus))")
            }
            struct Result: Decodable { var name: String; var hr10: Double; var ndcg10: Double }
            let data = try Data(contentsOf: URL(fileURLWithPath: outputPath))
            let results = try HiveJSON.decode([Result].self, from: data)
            guard let best = results.max(by: { $0.hr10 < $1.hr10 }) else {
                throw HiveError(.unavailable, "scripts/anchors/recsys.py printed no results")
            }
            return LibraryBaseline(name: best.name, hitRate10: best.hr10, ndcg10: best.ndcg10)
        }
    }
}
