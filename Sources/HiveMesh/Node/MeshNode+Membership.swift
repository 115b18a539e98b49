import Foundation
import HiveCore

extension MeshNode {
    /// One SWIM protocol period: probe one member directly; if no ack within the ack timeout,
    /// ask k others to probe it; if still nothing by the end of the period, suspect it. Then
    /// suspects whose timeout ran out are declared dead.
    func probeTick() async {
        defer { _ = membership.expireSuspects(nowMs: nowMs) }
        guard let target = membership.nextProbeTarget() else { return }
        let swim = configuration.swim
        let multiplier = UInt64(awareness + 1)
        probeSeq += 1
        let seq = probeSeq
        probe = SwimProbe(seq: seq, target: target)
        probeAcked = false
        defer { probe = nil }
        let session = channel.session(for: target)
        if let session {
            try? await session.send(.ping(SwimPing(seq: seq, updates: updates(for: target))))
        }
        await pingTheDead()
        await syncMembership()
        if await waitForAck(seq, ms: swim.ackTimeoutMs * multiplier) {
            membership.observedAlive(target, address: nil, nowMs: nowMs)
            adjustAwareness(-1)
            return
        }
        let helpers = membership.helpers(excluding: target)
        probe?.asked(helpers)
        for helper in helpers {
            try? await channel.session(for: helper)?.send(.pingReq(SwimPingRequest(seq: seq, target: target)))
        }
        let rest = swim.probeIntervalMs > swim.ackTimeoutMs ? swim.probeIntervalMs - swim.ackTimeoutMs : swim.ackTimeoutMs
        if await waitForAck(seq, ms: rest * multiplier) {
            adjustAwareness(1)  // it answered others but not us in time: we may be the slow one
            return
        }
        // No answer at all. With its TCP session still open the peer's process is there, so the
        // silence is more likely overload (ours or its) than death: raise our own health score.
        if session != nil, channel.session(for: target) != nil { adjustAwareness(1) }
        membership.suspect(target, nowMs: nowMs)
    }

    /// Lifeguard's local health multiplier (memberlist's "awareness"): a node that misses acks
    /// or has to refute suspicion of itself is probably starved of CPU or network, so it stretches
    /// its own probe period and ack timeout by `awareness + 1` (at most ``SwimConfiguration/maxAwareness`` + 1)
    /// instead of accusing healthy peers; each clean probe brings it back down by one.
    func adjustAwareness(_ delta: Int) {
        awareness = min(max(0, awareness + delta), max(0, configuration.swim.maxAwareness))
    }

    /// The current probe period, stretched by the local health multiplier.
    var probePeriodMs: UInt64 { configuration.swim.probeIntervalMs * UInt64(awareness + 1) }

    /// Waits up to `ms` for the ack of probe `seq`: resumed by the ack itself or by one timer
    /// (polling here cost 200 wake-ups a second per node).
    private func waitForAck(_ seq: UInt64, ms: UInt64) async -> Bool {
        if probeAcked, probe?.seq == seq {
            probeAcked = false
            return true
        }
        return await withCheckedContinuation { continuation in
            ackWaiters[seq] = continuation
            Task {
                try? await Task.sleep(for: .milliseconds(Int64(clamping: ms)))
                self.expireAckWait(seq)
            }
        }
    }

    private func expireAckWait(_ seq: UInt64) {
        ackWaiters.removeValue(forKey: seq)?.resume(returning: false)
    }

    /// Piggybacked updates for a message to `peer`, with our record of it when we hold it
    /// suspect or dead (so it refutes).
    func updates(for peer: String) -> [MemberUpdate] {
        var updates = membership.piggyback()
        if let record = membership.refutable(peer) { updates.append(record) }
        return updates
    }

    /// Every `deadPingEvery` probe periods, pings one member we hold dead but still have a session
    /// with: if it is alive after all it answers with a refutation (its higher incarnation), and
    /// two nodes that buried each other during a partition both come back.
    private func pingTheDead() async {
        probeRounds += 1
        guard probeRounds % UInt64(max(1, configuration.deadPingEvery)) == 0 else { return }
        let sessions = channel.sessions
        guard let id = membership.dead(among: sessions.keys).randomElement(), let session = sessions[id] else { return }
        try? await session.send(.ping(SwimPing(seq: 0, updates: updates(for: id))))
    }

    /// Every `membershipSyncEvery` probe periods, sends the whole member table to one random
    /// connected peer, which answers with its own (see ``SwimMembership/fullState``).
    private func syncMembership() async {
        let every = UInt64(max(1, configuration.membershipSyncEvery))
        guard probeRounds % every == every / 2, let session = channel.sessions.values.randomElement() else { return }
        try? await session.send(.ping(SwimPing(seq: 0, updates: updates(for: session.remoteNodeID) + membership.fullState, sync: true)))
    }

    /// Leader heartbeat / candidacy.
    func coordinatorTick() async {
        let messages = coordinator.tick(nowMs: nowMs, live: membership.liveIDs, clusterSize: membership.size)
        await sendElection(messages)
    }

    private func sendElection(_ messages: [ElectionMessage]) async {
        for message in messages {
            if message.kind == .announce { observedLeaders[message.term, default: []].insert(message.candidate) }
            for session in channel.sessions.values { try? await session.send(.election(message)) }
        }
    }
}
