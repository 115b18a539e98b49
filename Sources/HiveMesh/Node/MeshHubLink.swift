import HiveCore

/// The way to the hub, as far as the mesh is concerned: hand over one signed envelope.
///
/// Implementations throw when the hub is out of reach; the node then keeps the envelope in its
/// relay log for peers that can reach it. The hub deduplicates by envelope id, so the same
/// envelope delivered by its signer and by several relays is counted once.
public protocol MeshHubLink: Sendable {
    func deliver(_ envelope: SignedEnvelope) async throws
}
