import Foundation
import HiveCore
import NIOCore
import NIOPosix
import Synchronization

/// Authenticated peer-to-peer connections over TCP (SwiftNIO).
///
/// - Every connection starts with the signed handshake of ``MeshHandshake``; until it completes
///   nothing else is read, and a connection that fails it (or its timeout) is closed.
/// - Frames are length-prefixed (``MeshFrameDecoder``) and capped at
///   ``MeshChannelConfiguration/maxFrameBytes`` in both directions; a malformed or oversized frame
///   closes the connection.
/// - Back-pressure: inbound frames are handed to the handler one at a time and the next is read
///   only when it returns; outbound writes suspend while the socket is not writable.
/// - ``dial(_:)`` keeps a connection to an address alive, reconnecting with full-jitter backoff.
/// - At most one session per peer: when both sides dial each other, both keep the connection
///   opened by the node with the smaller id.
///
/// ``run(handler:)`` serves until cancelled; ``isolate(_:)`` cuts the node off (closes every
/// session, refuses inbound, stops dialling) to simulate a partition in tests and drills.
public final class TwinMeshChannel: Sendable {
    public let identity: NodeIdentity
    /// ``identity``'s node id, derived once.
    let localNodeID: String
    public let configuration: MeshChannelConfiguration
    /// The address the server is bound to (after ``listen(on:)``).
    public var boundAddress: MeshAddress? { state.withLock { $0.bound } }
    /// Frames sent on every session of this channel, by message type.
    public let traffic = MeshTraffic()

    private struct State {
        var server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>?
        var bound: MeshAddress?
        var sessions: [String: MeshPeerSession] = [:]
        var dialing: Set<MeshAddress> = []
        var addressOwner: [MeshAddress: String] = [:]
        var isolated = false
        var blocked: Set<String> = []
        var serial: UInt64 = 0
        var refusedHandshakes = 0
    }

    private let state = Mutex(State())
    private let dialRequests: AsyncStream<MeshAddress>
    private let dialContinuation: AsyncStream<MeshAddress>.Continuation
    private let group: any EventLoopGroup

    public init(identity: NodeIdentity, configuration: MeshChannelConfiguration = MeshChannelConfiguration()) {
        self.identity = identity
        self.localNodeID = identity.nodeID
        self.configuration = configuration
        self.group = MultiThreadedEventLoopGroup.singleton
        (dialRequests, dialContinuation) = AsyncStream.makeStream(of: MeshAddress.self)
    }

    /// Binds the server socket (port 0 picks a free one) and returns the bound address.
    @discardableResult
    public func listen(on address: MeshAddress) async throws -> MeshAddress {
        let maxFrame = configuration.maxFrameBytes
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture { try Self.wrap(channel, maxFrameBytes: maxFrame) }
                }
        } catch {
            throw HiveError(.io, "cannot listen on \(address): \(error)")
        }
        let bound = MeshAddress(host: address.host, port: server.channel.localAddress?.port ?? address.port)
        state.withLock {
            $0.server = server
            $0.bound = bound
        }
        return bound
    }

    /// Keeps a connection to `address` (reconnecting with backoff while ``run(handler:)`` runs).
    public func dial(_ address: MeshAddress) {
        guard address != boundAddress else { return }
        dialContinuation.yield(address)
    }

    /// Sessions by peer node id.
    public var sessions: [String: MeshPeerSession] { state.withLock { $0.sessions } }

    /// The session with `nodeID`, if connected.
    public func session(for nodeID: String) -> MeshPeerSession? { state.withLock { $0.sessions[nodeID] } }

    /// How many handshakes completed since start (each authenticated connection, kept or not).
    public var handshakes: Int { Int(state.withLock { $0.serial }) }

    /// How many inbound or outbound handshakes were refused since start.
    public var refusedHandshakes: Int { state.withLock { $0.refusedHandshakes } }

    /// Whether the node is cut off (see ``isolate(_:)``).
    public var isIsolated: Bool { state.withLock { $0.isolated } }

    /// Cuts the node off the network (`true`) or heals it (`false`).
    public func isolate(_ isolated: Bool) {
        let closing = state.withLock { state -> [MeshPeerSession] in
            state.isolated = isolated
            return isolated ? Array(state.sessions.values) : []
        }
        for session in closing { session.close() }
    }

    /// Cuts the links to these node ids only (closing their sessions and refusing new ones), or
    /// restores them with an empty set: a partition between groups of nodes, for tests and benchmarks.
    public func block(_ nodeIDs: Set<String>) {
        let closing = state.withLock { state -> [MeshPeerSession] in
            state.blocked = nodeIDs
            return state.sessions.values.filter { nodeIDs.contains($0.remoteNodeID) }
        }
        for session in closing { session.close() }
    }

    /// Serves the listening socket and the dialled addresses until cancelled.
    public func run(handler: some MeshChannelHandler) async throws {
        let server = state.withLock { $0.server }
        try await withThrowingDiscardingTaskGroup { group in
            if let server {
                group.addTask {
                    try await server.executeThenClose { inbound in
                        try await withThrowingDiscardingTaskGroup { connections in
                            for try await connection in inbound {
                                connections.addTask {
                                    await self.serve(connection, role: .responder, handler: handler)
                                }
                            }
                        }
                    }
                }
            }
            group.addTask {
                await withDiscardingTaskGroup { dialers in
                    for await address in self.dialRequests {
                        let isNew = self.state.withLock { $0.dialing.insert(address).inserted }
                        if isNew { dialers.addTask { await self.maintain(address, handler: handler) } }
                    }
                }
            }
            // Cancellation ends the loops above; close what is open so their awaits return.
            group.addTask {
                await Self.waitForCancellation()
                self.dialContinuation.finish()
                let (server, sessions) = self.state.withLock { ($0.server, Array($0.sessions.values)) }
                for session in sessions { session.close() }
                try? await server?.channel.close()
            }
        }
    }

    /// Opens one authenticated session to `address` and serves it until it closes (used by the
    /// dial loop; public for tests and one-shot tools).
    public func connectOnce(to address: MeshAddress, handler: some MeshChannelHandler) async throws {
        let connection = try await connect(to: address)
        await serve(connection, role: .initiator, handler: handler)
    }

    private func connect(to address: MeshAddress) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let maxFrame = configuration.maxFrameBytes
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(configuration.connectTimeoutMs))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        do {
            // An IP literal (what gossip and beacons carry) is connected to directly: by host name,
            // NIO runs getaddrinfo and a Happy Eyeballs race per dial, ~20 % of the CPU of a
            // 50-node join in a profile.
            if let ip = try? SocketAddress(ipAddress: address.host, port: address.port) {
                return try await bootstrap.connect(to: ip) { channel in
                    channel.eventLoop.makeCompletedFuture { try Self.wrap(channel, maxFrameBytes: maxFrame) }
                }
            }
            return try await bootstrap.connect(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture { try Self.wrap(channel, maxFrameBytes: maxFrame) }
            }
        } catch {
            throw HiveError(.unavailable, "cannot connect to \(address): \(error)")
        }
    }

    private func maintain(_ address: MeshAddress, handler: some MeshChannelHandler) async {
        var attempt = 0
        var yielded = false
        while !Task.isCancelled {
            let (isolated, ownerID, owner) = state.withLock { state in
                let ownerID = state.addressOwner[address]
                return (state.isolated || ownerID.map(state.blocked.contains) == true, ownerID, ownerID.flatMap { state.sessions[$0] })
            }
            if let owner, !isolated {
                yielded = false
                // Connected already (perhaps by the peer dialling us): wait for that session to end
                // instead of polling (50 nodes polling 49 addresses each was ~50k wake-ups a second).
                try? await owner.channel.closeFuture.get()
                try? await Task.sleep(for: .milliseconds(10))  // let the closed session unregister
                continue
            }
            if isolated {
                // Cut off: check again soon.
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            if let ownerID, ownerID < localNodeID, !yielded, configuration.yieldDialMs > 0 {
                // The peer has the smaller id: its connection is the one both sides keep, so give it
                // the first go (after a heal this halves the handshakes), then dial if it has not.
                yielded = true
                try? await Task.sleep(for: .milliseconds(configuration.yieldDialMs))
                continue
            }
            do {
                let connection = try await connect(to: address)
                let served = await serve(connection, role: .initiator, handler: handler, dialled: address)
                attempt = served ? 0 : attempt + 1
            } catch {
                attempt += 1
            }
            let delay = configuration.backoff.delayMs(attempt: attempt)
            try? await Task.sleep(for: .milliseconds(Int64(clamping: delay)))
        }
    }

    /// Runs the handshake and then the read loop; returns whether the handshake succeeded.
    @discardableResult
    private func serve(
        _ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, role: MeshHandshake.Role,
        handler: some MeshChannelHandler, dialled: MeshAddress? = nil
    ) async -> Bool {
        if isIsolated {
            // Closed through executeThenClose: an NIOAsyncChannel dropped unfinished traps in NIO
            // (seen when a connect completed while the node was being cut off at shutdown).
            try? await connection.executeThenClose { _, _ in }
            return false
        }
        let channel = connection.channel
        let timeout = channel.eventLoop.scheduleTask(in: .milliseconds(configuration.handshakeTimeoutMs)) {
            channel.close(promise: nil)
        }
        var authenticated = false
        do {
            try await connection.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                let session = try await self.handshake(
                    role: role, frames: &frames, outbound: outbound, channel: channel)
                timeout.cancel()
                authenticated = true
                guard self.register(session, dialled: dialled) else { return }
                await handler.peerConnected(session)
                do {
                    while let frame = try await frames.next() {
                        let message = try HiveJSON.decode(MeshMessage.self, from: Array(frame.readableBytesView))
                        await handler.received(message, from: session)
                    }
                } catch {
                    // Malformed frame or transport error: the session ends here.
                }
                self.unregister(session)
                await handler.peerDisconnected(session)
            }
        } catch {
            timeout.cancel()
            if !authenticated { state.withLock { $0.refusedHandshakes += 1 } }
        }
        return authenticated
    }

    private func handshake(
        role: MeshHandshake.Role, frames: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel
    ) async throws -> MeshPeerSession {
        let handshake = MeshHandshake(identity: identity, role: role, listen: boundAddress?.description)
        let maxFrame = configuration.maxFrameBytes
        try await outbound.write(MeshPeerSession.encode(.hello(handshake.localHello), maxFrameBytes: maxFrame))
        guard let helloFrame = try await frames.next(),
            case .hello(let remoteHello) = try HiveJSON.decode(MeshMessage.self, from: Array(helloFrame.readableBytesView))
        else { throw HiveError(.unauthorized, "peer did not open with a hello") }
        let remoteKey = try handshake.validate(remote: remoteHello)
        let remoteID = NodeIdentity.nodeID(forPublicKey: remoteKey)
        if let allowed = configuration.allowedPeers, !allowed.contains(remoteID) {
            throw HiveError(.forbidden, "peer \(remoteID) is not in the allowed set")
        }
        let transcript = try handshake.transcript(remote: remoteHello)
        try await outbound.write(MeshPeerSession.encode(.auth(try handshake.authenticate(transcript: transcript)), maxFrameBytes: maxFrame))
        guard let authFrame = try await frames.next(),
            case .auth(let auth) = try HiveJSON.decode(MeshMessage.self, from: Array(authFrame.readableBytesView))
        else { throw HiveError(.unauthorized, "peer did not send its handshake proof") }
        try handshake.verify(remote: remoteHello, auth: auth, transcript: transcript)
        let serial = state.withLock { state -> UInt64 in
            state.serial += 1
            return state.serial
        }
        return MeshPeerSession(
            remotePublicKey: remoteKey, remoteListen: try remoteHello.listen.map { try MeshAddress(parsing: $0) },
            initiatorNodeID: role == .initiator ? localNodeID : remoteID, serial: serial,
            maxFrameBytes: maxFrame, channel: channel, writer: outbound, traffic: traffic)
    }

    /// Adds the session, resolving duplicates deterministically; returns whether it was kept.
    private func register(_ session: MeshPeerSession, dialled: MeshAddress?) -> Bool {
        let preferredInitiator = min(localNodeID, session.remoteNodeID)
        let (kept, dropped) = state.withLock { state -> (Bool, MeshPeerSession?) in
            if let dialled { state.addressOwner[dialled] = session.remoteNodeID }
            if let listen = session.remoteListen { state.addressOwner[listen] = session.remoteNodeID }
            if state.isolated || state.blocked.contains(session.remoteNodeID) { return (false, session) }
            guard let existing = state.sessions[session.remoteNodeID] else {
                state.sessions[session.remoteNodeID] = session
                return (true, nil)
            }
            let existingPreferred = existing.initiatorNodeID == preferredInitiator
            let newPreferred = session.initiatorNodeID == preferredInitiator
            if existingPreferred && !newPreferred { return (false, session) }
            state.sessions[session.remoteNodeID] = session
            return (true, existing)
        }
        dropped?.close()
        return kept
    }

    private func unregister(_ session: MeshPeerSession) {
        state.withLock { state in
            if state.sessions[session.remoteNodeID] === session { state.sessions[session.remoteNodeID] = nil }
        }
    }

    private static func wrap(_ channel: any Channel, maxFrameBytes: Int) throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MeshFrameDecoder(maxFrameBytes: maxFrameBytes)))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MeshFrameEncoder()))
        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
    }

    private static func waitForCancellation() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        await withTaskCancellationHandler {
            for await _ in stream {}
        } onCancel: {
            continuation.finish()
        }
    }
}
