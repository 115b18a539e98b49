/// Settings of a ``MeshNode``.
public struct MeshNodeConfiguration: Sendable {
    /// Where to listen (port 0 picks a free port).
    public var listen: MeshAddress
    /// Static seed peers dialled at start; the rest of the group is learnt by gossip.
    public var seeds: [MeshAddress]
    public var channel = MeshChannelConfiguration()
    public var swim = SwimConfiguration()
    /// How often each connected peer is asked for what we are missing, in ms.
    public var antiEntropyIntervalMs: UInt64 = 100
    /// Peers asked per anti-entropy round (chosen at random): gossip fan-out keeps the work per
    /// round constant as the group grows, and updates still reach everyone in O(log N) rounds.
    public var antiEntropyFanout = 3
    /// Every this many probe periods, one member held dead but still connected is pinged so it can
    /// refute (memberlist keeps gossiping to the dead for a while for the same reason).
    public var deadPingEvery = 5
    /// Every this many probe periods, the full member table is exchanged with one random connected
    /// peer (push-pull: it answers with its own), so no member stays unknown to another because
    /// piggybacked gossip ran out of retransmissions before reaching it.
    public var membershipSyncEvery = 10
    /// How often the twin's outbox is scanned for hub-bound envelopes to relay, in ms.
    public var outboxScanIntervalMs: UInt64 = 500
    /// Most envelope payload bytes in one push.
    public var maxPushBytes = 256 * 1024
    /// How often the hub link is tried, in ms.
    public var hubIntervalMs: UInt64 = 200
    /// Consensus quorum and threshold, and identities whose votes never count.
    public var quorum = 3
    public var threshold = 0.66
    public var blockedVoters: Set<String> = []
    /// Configured group size for leader majorities (0: the members known; see ``ClusterCoordinator/expectedClusterSize``).
    public var expectedClusterSize = 0
    /// Subjects the hub blocklisted.
    public var hubBlocklist: Set<String> = []
    /// LAN discovery by signed UDP multicast beacons; `nil` (the default) keeps it off, so a node
    /// only knows its seeds and what gossip tells it.
    public var discovery: MeshDiscoveryConfiguration?

    public init(listen: MeshAddress, seeds: [MeshAddress] = []) {
        self.listen = listen
        self.seeds = seeds
    }
}
