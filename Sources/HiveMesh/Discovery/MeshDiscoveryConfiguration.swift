/// Settings of optional LAN discovery by UDP multicast beacon (``MeshDiscovery``). Off unless a
/// ``MeshNodeConfiguration/discovery`` is set.
///
/// | parameter | default | why |
/// |---|---|---|
/// | ``group`` | 239.255.72.73 | organisation-local scope (RFC 2365): never routed off the site |
/// | ``port`` | 47 946 | shared by every node on a host (SO_REUSEADDR) |
/// | ``ttl`` | 1 | beacons stay on the local link |
/// | ``intervalMs`` | 1 000 ms (±20 % jitter) | a new node is found within about a second |
/// | ``maxBeaconBytes`` | 1 024 | larger datagrams are dropped unread |
/// | ``maxBeaconsPerSecond`` / ``burst`` | 50 / 100 | token bucket before any signature check, so a flood costs little CPU |
/// | ``minPeerIntervalMs`` | 500 ms | at most one beacon per sender key per half interval is acted on |
/// | ``maxSkewMs`` | 30 000 ms | a beacon whose clock is further off than this is refused (old replays) |
/// | ``maxTrackedSenders`` | 1 024 | replay memory is bounded; the stalest sender is forgotten first |
public struct MeshDiscoveryConfiguration: Sendable, Hashable {
    /// Multicast group (IPv4).
    public var group = "239.255.72.73"
    public var port = 47_946
    /// Address of the interface to join and send on (`nil`: the system's default multicast
    /// interface). Tests use `127.0.0.1`.
    public var interface: String?
    /// Mesh name carried in every beacon; beacons of other clusters are ignored.
    public var cluster = "hive"
    public var ttl: UInt8 = 1
    public var intervalMs: UInt64 = 1_000
    public var maxBeaconBytes = 1_024
    public var maxBeaconsPerSecond = 50.0
    public var burst = 100.0
    public var minPeerIntervalMs: UInt64 = 500
    public var maxSkewMs: UInt64 = 30_000
    public var maxTrackedSenders = 1_024

    public init(cluster: String = "hive", interface: String? = nil) {
        self.cluster = cluster
        self.interface = interface
    }
}
