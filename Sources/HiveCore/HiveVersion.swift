/// The version of this Hive build.
public enum HiveVersion {
    /// Semantic version string printed by `hive --version`.
    public static let current = "0.1.0"
}
