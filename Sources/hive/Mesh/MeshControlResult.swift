import HiveCore

/// The node's answer to one request.
struct MeshControlResult: Codable, Sendable {
    var ok: Bool
    var value: JSONValue?
    var error: String?
}
