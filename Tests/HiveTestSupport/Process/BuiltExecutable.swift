import Foundation
import HiveCore

/// Executables of this package (`hive`, `twin-crash-writer`, …) that `swift build` / `swift test`
/// put next to the test bundle.
public enum BuiltExecutable {
    /// The path of executable `name`, looked for beside the running test binary and up to three
    /// directories above it; throws `.unavailable` listing where it looked.
    public static func path(_ name: String) throws -> String {
        var candidates: [String] = []
        for start in [Bundle.main.executablePath, CommandLine.arguments.first].compactMap({ $0 }) {
            var directory = (start as NSString).deletingLastPathComponent
            for _ in 0..<4 {
                candidates.append((directory as NSString).appendingPathComponent(name))
                directory = (directory as NSString).deletingLastPathComponent
            }
        }
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HiveError(
                .unavailable, "\(name) was not found near the test bundle (looked in \(candidates)); run `swift build` first")
        }
        return path
    }
}
