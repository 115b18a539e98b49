import HiveCore

/// A peer's TCP address, `host:port` (IPv6 as `[::1]:port`).
public struct MeshAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; throws ``HiveError/Code/invalidInput`` naming the problem.
    public init(parsing text: String) throws {
        guard text.utf8.count <= 300, let colon = text.lastIndex(of: ":") else {
            throw HiveError(.invalidInput, "mesh address \"\(text.prefix(64))\" is not host:port")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw HiveError(.invalidInput, "mesh address \"\(text.prefix(64))\" has no usable host")
        }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw HiveError(.invalidInput, "mesh address \"\(text.prefix(64))\" has no valid port (0-65535)")
        }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
