/// What a ``TwinMeshChannel`` reports. Calls for one session arrive in order; `received` is awaited
/// before the next frame is read, which is what propagates back-pressure to the sending peer.
public protocol MeshChannelHandler: Sendable {
    /// A peer completed the handshake.
    func peerConnected(_ session: MeshPeerSession) async
    /// A session ended (closed by either side, failed, or replaced).
    func peerDisconnected(_ session: MeshPeerSession) async
    /// A frame arrived from an authenticated peer.
    func received(_ message: MeshMessage, from session: MeshPeerSession) async
}
