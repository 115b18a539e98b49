/// Limits and timings of a ``TwinMeshChannel``.
public struct MeshChannelConfiguration: Sendable {
    /// Largest frame accepted or sent, in bytes (default 4 MiB: a 1 MiB envelope payload is ~1.4 MB as base64 JSON).
    public var maxFrameBytes = 4 << 20
    /// A peer that has not completed the handshake by then is disconnected.
    public var handshakeTimeoutMs: Int64 = 5_000
    /// Timeout of one TCP connect.
    public var connectTimeoutMs: Int64 = 2_000
    /// When a known peer with a smaller node id drops, wait this long for it to reconnect before
    /// dialling it ourselves (both would otherwise dial, and one connection would be thrown away).
    public var yieldDialMs: Int64 = 1_000
    /// Reconnect delays.
    public var backoff = MeshBackoff()
    /// When set, only these node ids may connect (or be connected to); others fail the handshake.
    public var allowedPeers: Set<String>?

    public init() {}
}
