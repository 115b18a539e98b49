#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HiveCore
import NIOCore
import NIOPosix
import Synchronization

/// Optional LAN discovery: every ``MeshDiscoveryConfiguration/intervalMs`` (with jitter) the node
/// multicasts a signed ``MeshBeacon`` carrying its listen address, and dials the senders of the
/// beacons it accepts (see ``BeaconFilter`` for what is refused). The TCP handshake that follows
/// authenticates the peer again, so a beacon only ever causes a dial, never trust.
///
/// ``open(configuration:identity:allowedPeers:)`` binds the socket and joins the group (errors
/// surface there: a node asked to discover that cannot is told so); ``run(announcing:onDiscovered:)``
/// sends and receives until cancelled.
public final class MeshDiscovery: Sendable {
    public typealias Datagrams = NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>

    public let configuration: MeshDiscoveryConfiguration
    public let identity: NodeIdentity
    private let channel: Datagrams
    private let groupAddress: SocketAddress
    private let filter: Mutex<BeaconFilter>
    private let lastSentMs = Mutex<UInt64>(0)

    private init(configuration: MeshDiscoveryConfiguration, identity: NodeIdentity, channel: Datagrams, group: SocketAddress, filter: BeaconFilter) {
        self.configuration = configuration
        self.identity = identity
        self.channel = channel
        self.groupAddress = group
        self.filter = Mutex(filter)
    }

    /// Binds `group:port` (shared with other nodes on the host), joins the group on the configured
    /// interface and sets TTL and loopback. Throws ``HiveError/Code/invalidInput`` for a group that
    /// is not an IPv4 multicast address or an unknown interface, ``HiveError/Code/unavailable``
    /// when the socket or a multicast socket option fails.
    public static func open(
        configuration: MeshDiscoveryConfiguration, identity: NodeIdentity, allowedPeers: Set<String>? = nil
    ) async throws -> MeshDiscovery {
        let group: SocketAddress
        do {
            group = try SocketAddress(ipAddress: configuration.group, port: configuration.port)
        } catch {
            throw HiveError(.invalidInput, "discovery group \(configuration.group):\(configuration.port) is not an IP address")
        }
        guard group.protocol == .inet, group.isMulticast else {
            throw HiveError(.invalidInput, "discovery group \(configuration.group) is not an IPv4 multicast address")
        }
        guard configuration.intervalMs >= 50, configuration.maxBeaconsPerSecond > 0, configuration.maxBeaconBytes >= 256 else {
            throw HiveError(.invalidInput, "discovery interval must be ≥ 50 ms, the rate positive and the size limit ≥ 256 bytes")
        }
        let device = try configuration.interface.map(Self.device(for:))
        let channel: Datagrams
        do {
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: configuration.group, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture { try Datagrams(wrappingChannelSynchronously: channel) }
                }
        } catch {
            throw HiveError(.unavailable, "cannot bind the discovery socket \(configuration.group):\(configuration.port): \(error)")
        }
        do {
            guard let options = channel.channel as? any SocketOptionProvider else { throw HiveError(.unavailable, "the datagram channel offers no multicast options") }
            // IP_ADD_MEMBERSHIP set directly: NIO's joinGroup refuses interfaces without the
            // MULTICAST flag (loopback), although the kernel takes the membership there.
            var request = ip_mreq()
            if case .v4(let v4) = group { request.imr_multiaddr = v4.address.sin_addr }
            if let address = device?.address, case .v4(let v4) = address {
                request.imr_interface = v4.address.sin_addr
                try await options.setIPMulticastIF(v4.address.sin_addr).get()
            }
            try await options.unsafeSetSocketOption(level: .ip, name: .ip_add_membership, value: request).get()
            try await options.setIPMulticastTTL(configuration.ttl).get()
            try await options.setIPMulticastLoop(1).get()
        } catch {
            try? await channel.channel.close()
            throw HiveError(.unavailable, "multicast socket option failed on \(configuration.interface ?? "the default interface"): \(error)")
        }
        let filter = BeaconFilter(configuration: configuration, localKey: identity.publicKey, allowedPeers: allowedPeers)
        return MeshDiscovery(configuration: configuration, identity: identity, channel: channel, group: group, filter: filter)
    }

    private static func device(for interface: String) throws -> NIONetworkDevice {
        let devices: [NIONetworkDevice]
        do {
            devices = try System.enumerateDevices()
        } catch {
            throw HiveError(.unavailable, "cannot list network interfaces: \(error)")
        }
        guard let device = devices.first(where: { $0.address?.ipAddress == interface && $0.address?.protocol == .inet }) else {
            throw HiveError(.invalidInput, "no IPv4 interface has the address \(interface)")
        }
        return device
    }

    /// Beacons acted on, and refusals by reason.
    public var counts: (accepted: Int, refused: [BeaconFilter.Refusal: Int]) {
        filter.withLock { ($0.accepted, $0.refused) }
    }

    /// Sends our beacon every interval and hands each accepted sender to `onDiscovered`, until cancelled.
    public func run(announcing listen: MeshAddress, onDiscovered: @escaping @Sendable (BeaconFilter.Discovered) async -> Void) async throws {
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await self.announce(listen, on: outbound)
                        let jitter = Double.random(in: 0.8...1.2)
                        try await Task.sleep(for: .milliseconds(Int64(Double(self.configuration.intervalMs) * jitter)))
                    }
                }
                group.addTask {
                    for try await datagram in inbound {
                        let bytes = Array(datagram.data.readableBytesView)
                        let outcome = self.filter.withLock {
                            $0.take(bytes, source: datagram.remoteAddress.ipAddress, nowMs: HybridLogicalClock.systemMilliseconds())
                        }
                        if case .success(let found) = outcome { await onDiscovered(found) }
                    }
                }
                // Cancellation: close the socket so the receive loop above ends.
                group.addTask {
                    await Self.waitForCancellation()
                    self.channel.channel.close(promise: nil)
                }
            }
        }
    }

    /// Sends one beacon now (also used by tests).
    public func announce(_ listen: MeshAddress, on outbound: NIOAsyncChannelOutboundWriter<AddressedEnvelope<ByteBuffer>>) async throws {
        let sentMs = lastSentMs.withLock { last -> UInt64 in
            last = max(HybridLogicalClock.systemMilliseconds(), last + 1)
            return last
        }
        let beacon = MeshBeacon(cluster: configuration.cluster, publicKey: identity.publicKeyHex, listen: listen.description, sentMs: sentMs)
        let bytes = try beacon.sealed(by: identity)
        try await outbound.write(AddressedEnvelope(remoteAddress: groupAddress, data: ByteBuffer(bytes: bytes)))
    }

    /// Sends raw bytes to the group from a separate socket (tests use it to send forged or
    /// malformed datagrams the way an attacker on the LAN would).
    public static func send(_ bytes: [UInt8], to configuration: MeshDiscoveryConfiguration) async throws {
        let group = try SocketAddress(ipAddress: configuration.group, port: configuration.port)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: configuration.interface ?? "0.0.0.0", port: 0).get()
        defer { channel.close(promise: nil) }
        if let interface = configuration.interface, let options = channel as? any SocketOptionProvider {
            let address = try SocketAddress(ipAddress: interface, port: 0)
            if case .v4(let v4) = address { try await options.setIPMulticastIF(v4.address.sin_addr).get() }
            try await options.setIPMulticastLoop(1).get()
        }
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: group, data: ByteBuffer(bytes: bytes))).get()
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
