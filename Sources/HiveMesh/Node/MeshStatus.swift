/// A snapshot of a node's mesh state, for `hive mesh status` and tests.
public struct MeshStatus: Sendable, Hashable, Codable {
    public struct Peer: Sendable, Hashable, Codable {
        public var nodeID: String
        public var address: MeshAddress?
        public var status: MemberStatus
        public var incarnation: UInt64
        public var connected: Bool
    }

    public var nodeID: String
    public var listen: MeshAddress?
    public var term: UInt64
    public var leader: String?
    public var isLeader: Bool
    public var peers: [Peer]
    public var relayLogCount: Int
    public var hubReachable: Bool
    public var verdicts: [MeshVerdict]
    public var blocklist: [String]
    public var refusedEnvelopes: Int
    public var refusedHandshakes: Int
    /// SHA-256 (hex) of the canonical JSON of the exported snapshot (no `local_only.*` keys): equal
    /// digests on two nodes mean their shared snapshots have converged.
    public var snapshotDigest: String?
    /// LAN discovery counters, when discovery is on: beacons acted on and refused by reason.
    public var beaconsAccepted: Int?
    public var beaconsRefused: [String: Int]?
    /// Local health score (0 healthy … 8): how much this node has stretched its SWIM timings.
    public var awareness: Int?
}
