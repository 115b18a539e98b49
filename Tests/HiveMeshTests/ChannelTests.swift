import Foundation
import HiveCore
import HiveTwin
import NIOCore
import NIOPosix
import Testing

@testable import HiveMesh

/// A hand-driven peer: frames on the wire, but every handshake step under the test's control.
struct RawPeer {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(_ address: MeshAddress) async throws -> RawPeer {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MeshFrameDecoder(maxFrameBytes: 1 << 24)))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MeshFrameEncoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return RawPeer(channel: channel)
    }

    /// Runs `body` with a sender and a receiver; returns whether the server closed the connection by the end.
    func session(_ body: (_ send: (ByteBuffer) async throws -> Void, _ next: () async throws -> MeshMessage?) async throws -> Void) async throws {
        try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            try await body({ try await outbound.write($0) }, {
                guard let frame = try await iterator.next() else { return nil }
                return try HiveJSON.decode(MeshMessage.self, from: Array(frame.readableBytesView))
            })
        }
    }

    static func frame(_ message: MeshMessage) throws -> ByteBuffer { ByteBuffer(bytes: try HiveJSON.encode(message)) }
}

/// Reads until the server hangs up (nil) or a timeout; true when closed.
func closedByServer(_ next: () async throws -> MeshMessage?) async -> Bool {
    do {
        while try await next() != nil {}
        return true
    } catch {
        return true  // reset by the server
    }
}

@Suite("TwinMeshChannel", .serialized)
struct ChannelTests {
    func startNode(maxFrame: Int = 4096) async throws -> (MeshNode, MeshAddress, Task<Void, any Error>) {
        var configuration = testConfiguration()
        configuration.channel.maxFrameBytes = maxFrame
        configuration.channel.handshakeTimeoutMs = 1_000
        let node = try MeshNode(store: try makeStore(), configuration: configuration)
        let address = try await node.start()
        return (node, address, Task { try await node.run() })
    }

    @Test("a handshake with a wrong signature, a non-hello opening or silence is refused")
    func badHandshakes() async throws {
        let (node, address, task) = try await startNode()
        defer { task.cancel() }
        // Wrong signature: the transcript is signed by a key other than the one announced.
        let me = MeshHandshake(identity: .generate(), role: .initiator, listen: nil)
        let impostor = MeshHandshake(identity: .generate(), role: .initiator, listen: nil)
        try await RawPeer.connect(address).session { send, next in
            try await send(RawPeer.frame(.hello(me.localHello)))
            guard case .hello(let serverHello) = try await next() else { Issue.record("no hello"); return }
            _ = try await next()  // the server's proof
            var forged = try impostor.authenticate(remote: serverHello)
            forged.signature = String(forged.signature.reversed())
            try await send(RawPeer.frame(.auth(forged)))
            #expect(await closedByServer(next))
        }
        // Opening with something other than a hello.
        try await RawPeer.connect(address).session { send, next in
            try await send(RawPeer.frame(.pull(AntiEntropyPull(epoch: "", after: 0, snapshotAfter: 0))))
            _ = try? await next()
            #expect(await closedByServer(next))
        }
        // Saying nothing: the handshake timeout closes the connection.
        try await RawPeer.connect(address).session { _, next in
            #expect(await closedByServer(next))
        }
        #expect(node.channel.sessions.isEmpty)
        #expect(await eventually(5) { node.channel.refusedHandshakes >= 3 })
    }

    @Test("an authenticated peer sending an oversized or malformed frame is disconnected")
    func oversizedFrame() async throws {
        let (node, address, task) = try await startNode(maxFrame: 4096)
        defer { task.cancel() }
        for payload in [ByteBuffer(repeating: UInt8(ascii: "x"), count: 5000), ByteBuffer(string: "{\"type\":\"nope\"}")] {
            let me = MeshHandshake(identity: .generate(), role: .initiator, listen: nil)
            try await RawPeer.connect(address).session { send, next in
                try await send(RawPeer.frame(.hello(me.localHello)))
                guard case .hello(let serverHello) = try await next(), case .auth(let proof) = try await next() else {
                    Issue.record("handshake did not proceed")
                    return
                }
                try me.verify(remote: serverHello, auth: proof)  // the server proved its key too
                try await send(RawPeer.frame(.auth(try me.authenticate(remote: serverHello))))
                #expect(await eventually(5) { node.channel.sessions.count == 1 })
                try await send(payload)
                #expect(await closedByServer(next))
            }
            #expect(await eventually(5) { node.channel.sessions.isEmpty })
        }
    }

    @Test("envelopes with bad signatures and diffs smuggling local_only keys are refused")
    func badEnvelopes() async throws {
        let (node, address, task) = try await startNode(maxFrame: 1 << 20)
        defer { task.cancel() }
        let identity = NodeIdentity.generate()
        let me = MeshHandshake(identity: identity, role: .initiator, listen: nil)
        let clock = HybridLogicalClock(nodeID: identity.nodeID)
        let good = try SignedEnvelope.sign(
            SnapshotDiff(entries: [SnapshotEntry(key: "shared.x", value: .string("ok"), stamp: clock.now())], cursor: 1),
            kind: .snapshotDiff, stamp: clock.now(), identity: identity)
        var signature = good.signature
        signature[5] ^= 0x40
        let forged = SignedEnvelope(kind: good.kind, payload: good.payload, signer: good.signer, signature: signature, stamp: good.stamp)
        let smuggling = try SignedEnvelope.sign(
            SnapshotDiff(entries: [SnapshotEntry(key: "local_only.pin", value: .string("1234"), stamp: clock.now())], cursor: 1),
            kind: .snapshotDiff, stamp: clock.now(), identity: identity)
        try await RawPeer.connect(address).session { send, next in
            try await send(RawPeer.frame(.hello(me.localHello)))
            guard case .hello(let serverHello) = try await next(), case .auth = try await next() else { return }
            try await send(RawPeer.frame(.auth(try me.authenticate(remote: serverHello))))
            let push = AntiEntropyPush(epoch: "e", envelopes: [forged, smuggling], next: 2, snapshot: smuggling, snapshotCursor: 1, more: false)
            try await send(RawPeer.frame(.push(push)))
            #expect(await eventually(5) { await node.refusedEnvelopes >= 3 })
            #expect(await node.relayLogCount == 0)
            #expect(try node.snapshots.value("local_only.pin") == nil)
            // The genuine envelope with the genuine diff is taken.
            try await send(RawPeer.frame(.push(AntiEntropyPush(epoch: "e", envelopes: [good], next: 3, snapshot: good, snapshotCursor: 2, more: false))))
            #expect(await eventually(5) { try node.snapshots.value("shared.x") == .string("ok") })
            #expect(await node.relayLogCount == 1)
        }
    }
}
