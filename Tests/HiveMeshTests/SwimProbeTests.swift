import Foundation
import HiveCore
import HiveTwin
import Synchronization
import Testing

@testable import HiveMesh

@Suite("SWIM probe matching")
struct SwimProbeTests {
    @Test("an ack counts only from the probed member or a helper asked, for this probe and this target")
    func matching() {
        var probe = SwimProbe(seq: 7, target: "b")
        #expect(probe.accepts(SwimAck(seq: 7, target: "b", updates: []), from: "b"))
        // Someone else acking with the right sequence number (its own ack, or a stale one).
        #expect(!probe.accepts(SwimAck(seq: 7, target: "c", updates: []), from: "c"))
        // A third party claiming to answer for the target without being asked.
        #expect(!probe.accepts(SwimAck(seq: 7, target: "b", updates: []), from: "c"))
        // The target answering an older probe or a refutation ping (seq 0).
        #expect(!probe.accepts(SwimAck(seq: 6, target: "b", updates: []), from: "b"))
        #expect(!probe.accepts(SwimAck(seq: 0, target: "b", updates: []), from: "b"))
        probe.asked(["c", "d"])
        #expect(probe.accepts(SwimAck(seq: 7, target: "b", updates: []), from: "c"))
        // A helper relaying an ack that names someone else.
        #expect(!probe.accepts(SwimAck(seq: 7, target: "d", updates: []), from: "d"))
        #expect(!probe.accepts(SwimAck(seq: 7, target: "b", updates: []), from: "e"))
    }

    @Test("a relayed ping is answered only by its target")
    func relayed() {
        let relay = SwimRelayedProbe(requester: "a", requesterSeq: 3, target: "b")
        #expect(relay.accepts(SwimAck(seq: 12, target: "b", updates: []), from: "b"))
        #expect(!relay.accepts(SwimAck(seq: 12, target: "c", updates: []), from: "c"))
        #expect(!relay.accepts(SwimAck(seq: 12, target: "b", updates: []), from: "c"))
    }

    @Test("acks sprayed by another peer do not keep a silent member alive")
    func sprayedAcksDoNotSaveASilentPeer() async throws {
        let node = try MeshNode(store: try makeStore("prober"), configuration: testConfiguration())
        let address = try await node.start()
        let nodeTask = Task { try await node.run() }
        // A member whose process is hung: its session stays open, it never answers.
        let silent = TwinMeshChannel(identity: .generate())
        try await silent.listen(on: MeshAddress(host: "127.0.0.1", port: 0))
        let silentTask = Task { try await silent.run(handler: QuietPeer()) }
        // A member that answers its own probes and also acks every sequence number near the
        // prober's current one, as if those acks answered probes of anyone.
        let sprayer = TwinMeshChannel(identity: .generate())
        try await sprayer.listen(on: MeshAddress(host: "127.0.0.1", port: 0))
        let spray = AckSprayer(ownID: sprayer.identity.nodeID)
        let sprayerTask = Task { try await sprayer.run(handler: spray) }
        let sprayTask = Task { await spray.spray() }
        defer {
            for task in [nodeTask, silentTask, sprayerTask] { task.cancel() }
            sprayTask.cancel()
        }
        let silentID = silent.identity.nodeID
        let sprayerID = sprayer.identity.nodeID
        // The sprayer first, until it is spraying; only then the silent member joins, so every probe
        // of it runs while foreign acks are flying.
        sprayer.dial(address)
        #expect(await eventually(30) { spray.sprayed > 0 })
        silent.dial(address)
        #expect(await eventually(30) { await node.members[silentID] == .dead })
        let finally = await node.members
        #expect(finally[sprayerID] == .alive)
        await node.isolate(true)
        silent.isolate(true)
        sprayer.isolate(true)
    }
}

/// A peer that completes the handshake and then never answers anything.
private struct QuietPeer: MeshChannelHandler {
    func peerConnected(_ session: MeshPeerSession) async {}
    func peerDisconnected(_ session: MeshPeerSession) async {}
    func received(_ message: MeshMessage, from session: MeshPeerSession) async {}
}

/// Answers pings, ignores ping-reqs, and every 10 ms acks (as itself) the sequence numbers just
/// around the last one the prober used: an ack that is not the answer to the probe in flight.
private final class AckSprayer: MeshChannelHandler {
    private struct State {
        var session: MeshPeerSession?
        var lastSeq: UInt64 = 0
        var sprayed = 0
    }

    private let state = Mutex(State())
    let ownID: String
    var sprayed: Int { state.withLock { $0.sprayed } }

    init(ownID: String) { self.ownID = ownID }

    func peerConnected(_ session: MeshPeerSession) async { state.withLock { $0.session = session } }
    func peerDisconnected(_ session: MeshPeerSession) async {}

    func received(_ message: MeshMessage, from session: MeshPeerSession) async {
        guard case .ping(let ping) = message else { return }
        if ping.seq > 0 { state.withLock { $0.lastSeq = max($0.lastSeq, ping.seq) } }
        try? await session.send(.ack(SwimAck(seq: ping.seq, target: ownID, updates: [])))
    }

    func spray() async {
        while !Task.isCancelled {
            let (session, last) = state.withLock { ($0.session, $0.lastSeq) }
            if let session, last > 0 {
                for seq in (last > 2 ? last - 2 : 1)...(last + 6) {
                    try? await session.send(.ack(SwimAck(seq: seq, target: ownID, updates: [])))
                }
                state.withLock { $0.sprayed += 1 }
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
