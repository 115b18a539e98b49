import Foundation
import HiveCore
import PostgresNIO

/// Parses `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`
/// into a client configuration.
public enum PostgresURL {
    public static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme),
              let host = components.host, !host.isEmpty
        else {
            throw HiveError(.invalidInput, "expected a URL like postgres://user@host:5432/database, got \(redacted(url))")
        }
        guard let user = components.user, !user.isEmpty else {
            throw HiveError(.invalidInput, "the PostgreSQL URL names no user: \(redacted(url))")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw HiveError(.invalidInput, "unknown sslmode \(sslmode) in the PostgreSQL URL")
        }
        return PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user,
            password: components.password?.removingPercentEncoding ?? components.password,
            database: database.isEmpty ? nil : database, tls: tls)
    }

    /// The URL with any password replaced, for messages (never log secrets).
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "<url>"
    }
}
