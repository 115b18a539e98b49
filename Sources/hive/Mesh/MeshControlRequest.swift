import HiveCore

/// One request to a running `hive mesh join` (see ``MeshControl``).
struct MeshControlRequest: Codable, Sendable {
    enum Operation: String, Codable, Sendable {
        /// Set a snapshot key (`local_only.*` keys stay on this device).
        case set
        /// Read a snapshot key.
        case get
        /// Cut the node off the mesh (close every session, refuse and stop dialling) — a partition drill.
        case isolate
        /// Undo ``isolate``.
        case heal
    }

    var op: Operation
    var key: String?
    var value: JSONValue?
}
