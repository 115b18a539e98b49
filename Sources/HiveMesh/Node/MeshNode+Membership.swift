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
        probeSeq += 1
        let seq = probeSeq
        if let session = channel.session(for: target) {
            try? await session.send(.ping(SwimPing(seq: seq, updates: membership.piggyback())))
        }
        if await waitForAck(seq, ms: swim.ackTimeoutMs) {
            membership.observedAlive(target, address: nil, nowMs: nowMs)
            return
        }
        for helper in membership.helpers(excluding: target) {
            try? await channel.session(for: helper)?.send(.pingReq(SwimPingRequest(seq: seq, target: target)))
        }
        let rest = swim.probeIntervalMs > swim.ackTimeoutMs ? swim.probeIntervalMs - swim.ackTimeoutMs : swim.ackTimeoutMs
        if await waitForAck(seq, ms: rest) { return }
        membership.suspect(target, nowMs: nowMs)
    }

    private func waitForAck(_ seq: UInt64, ms: UInt64) async -> Bool {
        let deadline = nowMs + ms
        while nowMs < deadline {
            if acked.remove(seq) != nil { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return acked.remove(seq) != nil
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
