import Foundation
import HiveCore
import HiveTwin

extension MeshNode {
    /// One anti-entropy round: pick up new outbox envelopes, then ask up to `antiEntropyFanout`
    /// random connected peers with no request outstanding for what we miss.
    func antiEntropyTick() async {
        let now = nowMs
        if now >= lastOutboxScanMs + configuration.outboxScanIntervalMs {
            lastOutboxScanMs = now
            ingestOutbox()
        }
        refreshSnapshotHead()
        let idle = channel.sessions.values.filter { session in
            pulling[session.remoteNodeID].map { now >= $0 + 2_000 } ?? true
        }
        for session in idle.shuffled().prefix(max(1, configuration.antiEntropyFanout)) {
            await sendPull(to: session)
        }
    }

    func sendPull(to session: MeshPeerSession) async {
        let peer = session.remoteNodeID
        let cursor = cursors[peer] ?? AntiEntropyPull(epoch: "", after: 0, snapshotAfter: 0)
        pulling[peer] = nowMs
        do {
            try await session.send(.pull(cursor))
        } catch {
            pulling[peer] = nil
        }
    }

    /// Moves pending outbox envelopes (hub-bound, signed by this twin) into the relay log. A
    /// snapshot diff carrying a `local_only.*` key is never taken: such data stays on the device.
    func ingestOutbox() {
        guard let pending = try? outbox.pending(limit: 1_000) else { return }
        for item in pending where !log.contains(item.envelope.id) {
            let envelope = item.envelope
            if envelope.kind == .snapshotDiff, Self.carriesLocalOnly(envelope) { continue }
            if envelope.kind == .vote { _ = try? consensus.record(envelope) }
            log.append(envelope)
        }
    }

    static func carriesLocalOnly(_ envelope: SignedEnvelope) -> Bool {
        guard let diff = try? envelope.decodePayload(as: SnapshotDiff.self) else { return true }
        return diff.entries.contains { $0.isLocalOnly }
    }

    /// Reads how far this node's snapshot change sequence has advanced (local writes by the app
    /// and merges), with one indexed query for the rows after the last head seen.
    func refreshSnapshotHead() {
        if let diff = try? snapshots.diff(since: snapshotHead) { snapshotHead = max(snapshotHead, diff.cursor) }
    }

    /// Answers a digest with only what the asker is missing. An asker already at our snapshot head
    /// costs no database read (most pulls, once the group has converged).
    func answer(_ pull: AntiEntropyPull, to session: MeshPeerSession) async {
        let fresh = pull.epoch != log.epoch
        let after = fresh ? 0 : max(0, pull.after)
        let snapshotAfter = fresh ? 0 : max(0, pull.snapshotAfter)
        let batch = log.since(after, maxBytes: configuration.maxPushBytes)
        var snapshotEnvelope: SignedEnvelope?
        var snapshotCursor = snapshotAfter
        if !fresh, let cached = signedDiff, cached.after == snapshotAfter, cached.head == snapshotHead {
            // Peers that last pulled at the same point ask for the same diff (after a heal, most of
            // the other side): sign it once.
            snapshotEnvelope = cached.envelope
            snapshotCursor = cached.cursor
        } else if fresh || snapshotAfter < snapshotHead, let diff = try? snapshots.diff(since: snapshotAfter) {
            if !diff.entries.isEmpty, diff.entries.count <= SnapshotDiff.maxEntries,
                let envelope = try? SignedEnvelope.sign(diff, kind: .snapshotDiff, stamp: store.clock.now(), identity: store.identity)
            {
                snapshotEnvelope = envelope
                snapshotCursor = diff.cursor
                signedDiff = (snapshotAfter, snapshotHead, envelope, diff.cursor)
            } else if diff.entries.isEmpty {
                snapshotCursor = diff.cursor
            }
        }
        let push = AntiEntropyPush(
            epoch: log.epoch, envelopes: batch.envelopes, next: batch.next, snapshot: snapshotEnvelope,
            snapshotCursor: snapshotCursor, more: batch.more)
        try? await session.send(.push(push))
    }

    /// Takes in a peer's answer: verifies every envelope, keeps the new ones, merges the snapshot
    /// diff (signed by that very peer, and refused whole if it carries a `local_only.*` key).
    func absorb(_ push: AntiEntropyPush, from session: MeshPeerSession) async {
        let peer = session.remoteNodeID
        pulling[peer] = nil
        for envelope in push.envelopes.prefix(10_000) {
            _ = ingest(envelope)
        }
        var snapshotCursor = cursors[peer].map { $0.epoch == push.epoch ? $0.snapshotAfter : 0 } ?? 0
        if let envelope = push.snapshot {
            do {
                try envelope.verify(knownKinds: [.snapshotDiff], clock: store.clock)
                guard envelope.signer == session.remotePublicKey else {
                    throw HiveError(.forbidden, "snapshot diff not signed by the sending peer")
                }
                let diff = try envelope.decodePayload(as: SnapshotDiff.self)
                guard !diff.entries.contains(where: { $0.isLocalOnly }) else {
                    throw HiveError(.forbidden, "peer sent local_only keys")
                }
                // Entries no newer than what we already hold cannot win: skip them, and skip the
                // write transaction when nothing is left (every peer re-serves what it merged, so
                // most entries arrive many times while a change spreads).
                let news = diff.entries.filter { entry in knownStamps[entry.key].map { entry.stamp > $0 } ?? true }
                if !news.isEmpty {
                    try snapshots.merge(SnapshotDiff(entries: news, cursor: diff.cursor))
                    for entry in news where knownStamps[entry.key].map({ entry.stamp > $0 }) ?? true {
                        knownStamps[entry.key] = entry.stamp
                    }
                    refreshSnapshotHead()
                }
                snapshotCursor = push.snapshotCursor
            } catch {
                refusedEnvelopes += 1
            }
        } else {
            snapshotCursor = push.snapshotCursor
        }
        cursors[peer] = AntiEntropyPull(epoch: push.epoch, after: push.next, snapshotAfter: snapshotCursor)
        if push.more { await sendPull(to: session) }
    }

    /// Verifies and keeps one envelope from a peer; returns whether it was new.
    @discardableResult
    func ingest(_ envelope: SignedEnvelope) -> Bool {
        guard !log.contains(envelope.id) else { return false }
        do {
            try envelope.verify(clock: store.clock)
            if envelope.kind == .snapshotDiff, Self.carriesLocalOnly(envelope) {
                throw HiveError(.forbidden, "relayed diff carries local_only keys")
            }
            if envelope.kind == .vote { try consensus.record(envelope) }
        } catch {
            refusedEnvelopes += 1
            return false
        }
        return log.append(envelope)
    }

    /// Hands hub-bound envelopes to the hub: our own outbox (marked delivered there), then what
    /// we relay for peers. Stops at the first failure (the hub is out of reach).
    func hubTick() async {
        guard let hub else { return }
        ingestOutbox()
        do {
            let report = try await outbox.drain(limit: 500) { envelope in try await hub.deliver(envelope) }
            if report.failed > 0 {
                hubReachable = false
                return
            }
            hubReachable = true
        } catch {
            hubReachable = false
            return
        }
        let ownKey = store.identity.publicKey
        for envelope in log.all where envelope.signer != ownKey && !hubDelivered.contains(envelope.id) {
            do {
                try await hub.deliver(envelope)
                hubDelivered.insert(envelope.id)
            } catch {
                hubReachable = false
                return
            }
        }
    }
}
