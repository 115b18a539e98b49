import Crypto
import Foundation
import HiveCore
import HiveTwin

extension MeshNode {
    /// Casts this node's vote on `subject`: signed, counted locally and gossiped to the mesh.
    @discardableResult
    public func vote(subject: String, verdict: MeshVote.Verdict) throws -> SignedEnvelope {
        let envelope = try MeshVote.cast(verdict, on: subject, by: store.identity, stamp: store.clock.now())
        try consensus.record(envelope)
        log.append(envelope)
        return envelope
    }

    /// Counts a vote envelope received out of band (same checks as gossip).
    @discardableResult
    public func submit(vote envelope: SignedEnvelope) throws -> MeshConsensus.Refusal? {
        let refusal = try consensus.record(envelope)
        if refusal == nil { log.append(envelope) }
        return refusal
    }

    /// The result of the votes on `subject`.
    public func verdict(_ subject: String) -> MeshVerdict { consensus.result(subject) }

    /// Mesh verdicts plus the hub's blocklist.
    public var blocklist: Set<String> { consensus.blocklist }

    /// Replaces the hub's blocklist (when the hub was reachable and sent one).
    public func setHubBlocklist(_ subjects: Set<String>) { consensus.hubBlocklist = subjects }

    /// The token for a coordinated task, when this node leads.
    public var fencingToken: FencingToken? { coordinator.fencingToken }

    /// The current leader and term as this node sees them.
    public var leadership: (term: UInt64, leader: String?, isLeader: Bool) {
        (coordinator.currentTerm, coordinator.leader, coordinator.isLeader)
    }

    /// SWIM state of every known member.
    public var members: [String: MemberStatus] { membership.members.mapValues(\.status) }

    /// Cuts this node off the network, or heals it.
    public func isolate(_ isolated: Bool) { channel.isolate(isolated) }

    /// Cuts the links to these nodes only (an empty set heals): one side of a partition.
    public func partition(from nodeIDs: Set<String>) { channel.block(nodeIDs) }

    /// How many envelopes the relay log holds.
    public var relayLogCount: Int { log.count }

    /// A readable summary of the node.
    public func status() -> MeshStatus {
        let sessions = channel.sessions
        let peers = membership.members.values.sorted { $0.nodeID < $1.nodeID }.map {
            MeshStatus.Peer(
                nodeID: $0.nodeID, address: $0.update.address, status: $0.status, incarnation: $0.update.incarnation,
                connected: sessions[$0.nodeID] != nil)
        }
        return MeshStatus(
            nodeID: nodeID, listen: channel.boundAddress, term: coordinator.currentTerm, leader: coordinator.leader,
            isLeader: coordinator.isLeader, peers: peers, relayLogCount: log.count, hubReachable: hubReachable,
            verdicts: consensus.results, blocklist: consensus.blocklist.sorted(), refusedEnvelopes: refusedEnvelopes,
            refusedHandshakes: channel.refusedHandshakes, snapshotDigest: snapshotDigest(),
            beaconsAccepted: discovery?.counts.accepted,
            beaconsRefused: discovery.map { counts in
                Dictionary(uniqueKeysWithValues: counts.counts.refused.map { ($0.key.rawValue, $0.value) })
            }, awareness: awareness)
    }

    /// SHA-256 (hex) of the canonical JSON of the exported snapshot's entries, sorted by key.
    public nonisolated func snapshotDigest() -> String? {
        guard let snapshot = try? snapshots.snapshot().exported() else { return nil }
        let entries = snapshot.entries.values.sorted { $0.key < $1.key }
        guard let bytes = try? CanonicalJSON.encode(entries) else { return nil }
        return Hex.encode(Array(SHA256.hash(data: bytes)))
    }
}
