import Foundation

/// Where the CLI keeps its files: `$HIVE_HOME`, default `~/.hive`.
enum HivePaths {
    /// The Hive home directory.
    static var home: String {
        if let home = ProcessInfo.processInfo.environment["HIVE_HOME"], !home.isEmpty { return home }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".hive")
    }

    /// The default key directory.
    static var keys: String { (home as NSString).appendingPathComponent("keys") }

    /// The default user id for `--user`.
    static var defaultUser: String {
        ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
    }
}
