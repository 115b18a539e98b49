import Foundation

/// ISO 8601 date-time parsing and formatting (UTC, optional fractional seconds).
public enum ISO8601 {
    /// Whether `text` is an ISO 8601 internet date-time.
    public static func isValid(_ text: String) -> Bool { parse(text) != nil }

    /// Parses `2025-12-13T03:45:00Z` or `2025-12-13T03:45:00.123+01:00`.
    public static func parse(_ text: String) -> Date? {
        guard text.utf8.count <= 64 else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Formats `date` as `YYYY-MM-DDTHH:MM:SSZ`.
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
