import Foundation
import HiveCore
import HiveTwin

/// One twin's presence in the mesh: the channel, anti-entropy of its snapshot and relay log,
/// SWIM membership, leader selection and community votes, over one ``TwinStore``.
///
/// ``start()`` binds and dials the seeds; ``run()`` drives everything until cancelled.
public actor MeshNode: MeshChannelHandler {
    public nonisolated let store: TwinStore
    public nonisolated let snapshots: SnapshotStore
    public nonisolated let outbox: OfflineEnvelopeStore
    public nonisolated let channel: TwinMeshChannel
    public nonisolated let configuration: MeshNodeConfiguration
    /// This node's id (derived once: deriving it hashes the public key, and it is compared on every message).
    public nonisolated let nodeID: String

    let hub: (any MeshHubLink)?
    var log: RelayLog
    var cursors: [String: AntiEntropyPull] = [:]
    var pulling: [String: UInt64] = [:]
    var membership: SwimMembership
    var coordinator: ClusterCoordinator
    var consensus: MeshConsensus
    /// The probe in flight, and whether its ack arrived while no waiter was parked
    /// (between the direct and the indirect wait).
    var probe: SwimProbe?
    var probeAcked = false
    /// Probes waiting for their ack, resumed by the ack or by their timeout.
    var ackWaiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    /// This node's snapshot change sequence as last read (see ``refreshSnapshotHead()``).
    var snapshotHead: Int64 = 0
    /// Per key, a stamp the database holds at least: remote entries not newer cannot win a merge.
    var knownStamps: [String: HLCTimestamp] = [:]
    var lastOutboxScanMs: UInt64 = 0
    /// The last snapshot diff signed for a pull: (asked after, our head then, envelope, its cursor).
    var signedDiff: (after: Int64, head: Int64, envelope: SignedEnvelope, cursor: Int64)?
    var probeSeq: UInt64 = 0
    var probeRounds: UInt64 = 0
    /// Local health score (0 = healthy); see ``adjustAwareness(_:)``.
    public internal(set) var awareness = 0
    var relayedProbes: [UInt64: SwimRelayedProbe] = [:]
    var hubDelivered: Set<String> = []
    /// The LAN discovery socket, when ``MeshNodeConfiguration/discovery`` is set (opened by ``start()``).
    var discovery: MeshDiscovery?
    /// Whether the last attempt to reach the hub succeeded.
    public internal(set) var hubReachable = false
    /// Envelopes or diffs refused from peers (bad signature, local-only keys, malformed).
    public internal(set) var refusedEnvelopes = 0
    /// Leader terms this node observed, with the leader of each (for split-brain checks).
    public internal(set) var observedLeaders: [UInt64: Set<String>] = [:]

    public init(store: TwinStore, configuration: MeshNodeConfiguration, hub: (any MeshHubLink)? = nil) throws {
        self.store = store
        self.snapshots = SnapshotStore(store: store)
        self.outbox = OfflineEnvelopeStore(store: store)
        self.configuration = configuration
        self.hub = hub
        self.nodeID = store.identity.nodeID
        self.channel = TwinMeshChannel(identity: store.identity, configuration: configuration.channel)
        self.log = RelayLog(epoch: UUID().uuidString.lowercased())
        let id = store.identity.nodeID
        self.membership = SwimMembership(localID: id, address: nil, configuration: configuration.swim)
        let probe = configuration.swim.probeIntervalMs
        self.coordinator = ClusterCoordinator(localID: id, leaseMs: probe * 3, electionTimeoutMs: probe * 3, expectedClusterSize: configuration.expectedClusterSize)
        var consensus = try MeshConsensus(
            quorum: configuration.quorum, threshold: configuration.threshold, blockedVoters: configuration.blockedVoters)
        consensus.hubBlocklist = configuration.hubBlocklist
        self.consensus = consensus
    }

    /// Binds the listening socket and queues the seed peers; returns the bound address.
    @discardableResult
    public func start() async throws -> MeshAddress {
        let bound = try await channel.listen(on: configuration.listen)
        membership = SwimMembership(localID: nodeID, address: bound, configuration: configuration.swim)
        for seed in configuration.seeds { channel.dial(seed) }
        if let settings = configuration.discovery, discovery == nil {
            discovery = try await MeshDiscovery.open(
                configuration: settings, identity: store.identity, allowedPeers: configuration.channel.allowedPeers)
        }
        return bound
    }

    /// Runs the channel and the protocol loops until cancelled.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.channel.run(handler: self) }
            group.addTask { try await self.loop(every: self.configuration.antiEntropyIntervalMs) { await $0.antiEntropyTick() } }
            group.addTask {
                while !Task.isCancelled {
                    await self.probeTick()
                    try await Task.sleep(for: .milliseconds(Int64(clamping: await self.probePeriodMs)))
                }
            }
            group.addTask { try await self.loop(every: self.configuration.swim.probeIntervalMs) { await $0.coordinatorTick() } }
            if let discovery, let bound = channel.boundAddress {
                group.addTask { try await discovery.run(announcing: bound) { found in await self.discovered(found) } }
            }
            if hub != nil {
                group.addTask { try await self.loop(every: self.configuration.hubIntervalMs) { await $0.hubTick() } }
            }
        }
    }

    private nonisolated func loop(every intervalMs: UInt64, _ body: @Sendable (MeshNode) async -> Void) async throws {
        while !Task.isCancelled {
            await body(self)
            try await Task.sleep(for: .milliseconds(Int64(clamping: intervalMs)))
        }
    }

    var nowMs: UInt64 { HybridLogicalClock.systemMilliseconds() }

    /// A beacon named a peer: dial it unless a session with it is open already.
    func discovered(_ found: BeaconFilter.Discovered) {
        guard found.nodeID != nodeID, channel.session(for: found.nodeID) == nil else { return }
        channel.dial(found.address)
    }

    // MARK: - Channel events

    public func peerConnected(_ session: MeshPeerSession) async {
        let newcomer = membership.members[session.remoteNodeID] == nil
        membership.observedAlive(session.remoteNodeID, address: session.remoteListen, nowMs: nowMs)
        // A peer we hold suspect or dead is back: re-gossip that so it refutes with a higher incarnation.
        membership.regossip(session.remoteNodeID)
        if let address = session.remoteListen { channel.dial(address) }
        // Tell it at once how we see it (it refutes if we hold it suspect or dead) and hear its view of us.
        // A member we never knew (a joiner, or one we are joining through) gets a push-pull of the
        // whole member table (see ``SwimMembership/fullState``). Known members reconnecting after a
        // heal do not: that would be O(N) bytes on each of the O(N²) re-opened sessions.
        if newcomer {
            try? await session.send(.ping(SwimPing(seq: 0, updates: updates(for: session.remoteNodeID) + membership.fullState, sync: true)))
        } else {
            try? await session.send(.ping(SwimPing(seq: 0, updates: updates(for: session.remoteNodeID))))
        }
        await sendPull(to: session)
    }

    public func peerDisconnected(_ session: MeshPeerSession) async {
        if channel.session(for: session.remoteNodeID) == nil { pulling[session.remoteNodeID] = nil }
    }

    public func received(_ message: MeshMessage, from session: MeshPeerSession) async {
        let peer = session.remoteNodeID
        switch message {
        case .hello, .auth:
            session.close()  // handshake messages after the handshake: a confused or hostile peer
        case .pull(let pull):
            await answer(pull, to: session)
        case .push(let push):
            await absorb(push, from: session)
        case .ping(let ping):
            apply(ping.updates)
            // A push-pull sync is answered with our whole table.
            let answer = ping.sync == true ? updates(for: peer) + membership.fullState : updates(for: peer)
            try? await session.send(.ack(SwimAck(seq: ping.seq, target: nodeID, updates: answer)))
        case .ack(let ack):
            apply(ack.updates)
            if let relay = relayedProbes[ack.seq] {
                // Our ping for someone's indirect probe: only the target's own answer is passed on.
                guard relay.accepts(ack, from: peer) else { return }
                relayedProbes[ack.seq] = nil
                try? await channel.session(for: relay.requester)?.send(
                    .ack(SwimAck(seq: relay.requesterSeq, target: relay.target, updates: [])))
            } else if let probe, probe.accepts(ack, from: peer) {
                if let waiter = ackWaiters.removeValue(forKey: ack.seq) {
                    waiter.resume(returning: true)
                } else {
                    probeAcked = true  // between the direct and the indirect wait
                }
            }
        case .pingReq(let request):
            guard let target = channel.session(for: request.target) else { return }
            probeSeq += 1
            if relayedProbes.count >= 1_024 { relayedProbes.removeAll() }  // targets that never answered
            relayedProbes[probeSeq] = SwimRelayedProbe(requester: peer, requesterSeq: request.seq, target: request.target)
            try? await target.send(.ping(SwimPing(seq: probeSeq, updates: membership.piggyback())))
        case .election(let election):
            if election.kind == .announce { observedLeaders[election.term, default: []].insert(election.candidate) }
            let replies = coordinator.handle(
                election, from: peer, nowMs: nowMs, live: membership.liveIDs, clusterSize: membership.size)
            await send(replies)
        }
    }

    private func apply(_ updates: [MemberUpdate]) {
        let now = nowMs
        let incarnation = membership.incarnation
        defer { if membership.incarnation > incarnation { adjustAwareness(1) } }  // we had to refute
        // Bounded: a full-state sync carries one record per member.
        for update in updates.prefix(1_024) {
            if membership.apply(update, nowMs: now), let address = update.address, update.status != .dead,
                update.nodeID != nodeID
            {
                channel.dial(address)
            }
        }
    }

    private func send(_ messages: [(to: String?, message: ElectionMessage)]) async {
        for (recipient, message) in messages {
            if message.kind == .announce { observedLeaders[message.term, default: []].insert(message.candidate) }
            if let recipient {
                try? await channel.session(for: recipient)?.send(.election(message))
            } else {
                for session in channel.sessions.values { try? await session.send(.election(message)) }
            }
        }
    }
}
