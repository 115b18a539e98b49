/// Who may read the dashboard's data (`hive serve --dashboard token|public`).
public enum DashboardAccess: String, Sendable, Codable, CaseIterable {
    /// The data endpoint needs the admin token (the default).
    case token
    /// Anyone may read aggregate figures: no twin ids, no keys, no trace ids.
    case `public`
}
