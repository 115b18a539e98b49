import Foundation
import HiveCore
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import HiveMesh

@Suite("LAN discovery", .serialized)
struct DiscoveryTests {
    static let cluster = "test"

    static func beacon(_ identity: NodeIdentity, listen: String = "127.0.0.1:4000", sentMs: UInt64, cluster: String = cluster) -> MeshBeacon {
        MeshBeacon(cluster: cluster, publicKey: identity.publicKeyHex, listen: listen, sentMs: sentMs)
    }

    static func filter(allowed: Set<String>? = nil, configure: (inout MeshDiscoveryConfiguration) -> Void = { _ in }) -> BeaconFilter {
        var configuration = MeshDiscoveryConfiguration(cluster: cluster)
        configure(&configuration)
        return BeaconFilter(configuration: configuration, localKey: NodeIdentity.generate().publicKey, allowedPeers: allowed)
    }

    @Test("a signed beacon is taken once; forged, replayed, foreign, skewed and malformed ones are refused")
    func filterRules() throws {
        var filter = Self.filter()
        let now: UInt64 = 1_700_000_000_000
        let peer = NodeIdentity.generate()
        let good = try Self.beacon(peer, listen: "0.0.0.0:4000", sentMs: now).sealed(by: peer)
        let found = try filter.take(good, source: "10.0.0.7", nowMs: now).get()
        #expect(found.nodeID == peer.nodeID)
        #expect(found.address == MeshAddress(host: "10.0.0.7", port: 4000))  // unspecified host → datagram source

        // Replayed bytes, and a fresh beacon too soon after the last one, are stale.
        #expect(filter.take(good, source: "10.0.0.7", nowMs: now + 1_000).failureCode == .invalidInput)
        #expect(try filter.take(Self.beacon(peer, sentMs: now + 10).sealed(by: peer), source: nil, nowMs: now + 100).failureCode == .invalidInput)
        #expect(filter.refused[.stale] == 2)
        #expect(try filter.take(Self.beacon(peer, sentMs: now + 600).sealed(by: peer), source: nil, nowMs: now + 600).isSuccess)

        // Forged: claims the peer's key, signed by someone else; or one signed byte flipped.
        let attacker = NodeIdentity.generate()
        var forged = Self.beacon(peer, listen: "10.6.6.6:4000", sentMs: now + 5_000)
        let signature = try attacker.sign(MeshBeacon.signingMessage(try CanonicalJSON.encode(forged)))
        let forgedBytes = try HiveJSON.encode(MeshBeacon.Signed(beacon: forged, signature: Hex.encode(signature)))
        #expect(filter.take(Array(forgedBytes), source: nil, nowMs: now + 5_000).failureCode == .badSignature)
        forged.publicKey = attacker.publicKeyHex
        var sealed = try forged.sealed(by: attacker)
        let text = String(decoding: sealed, as: UTF8.self).replacingOccurrences(of: "10.6.6.6", with: "10.6.6.7")
        sealed = Array(text.utf8)
        #expect(filter.take(sealed, source: nil, nowMs: now + 5_000).failureCode == .badSignature)
        #expect(filter.refused[.forged] == 2)

        // Another cluster, our own key, a clock far off, garbage, oversized, bad listen port.
        let other = NodeIdentity.generate()
        #expect(try filter.take(Self.beacon(other, sentMs: now, cluster: "elsewhere").sealed(by: other), source: nil, nowMs: now).failureCode == .invalidInput)
        #expect(try filter.take(Self.beacon(other, sentMs: now + 60_000).sealed(by: other), source: nil, nowMs: now).failureCode == .invalidInput)
        #expect(filter.take(Array("not a beacon".utf8), source: nil, nowMs: now).failureCode == .invalidInput)
        #expect(filter.take([UInt8](repeating: 0x7b, count: 5_000), source: nil, nowMs: now).failureCode == .invalidInput)
        #expect(try filter.take(Self.beacon(other, listen: "127.0.0.1:0", sentMs: now).sealed(by: other), source: nil, nowMs: now).failureCode == .invalidInput)
        #expect(filter.refused[.foreign] == 1)
        #expect(filter.refused[.stale] == 3)
        #expect(filter.refused[.malformed] == 3)
        #expect(filter.accepted == 2)
        // A beacon can only be sealed by the key it carries.
        #expect(throws: HiveError.self) { try Self.beacon(peer, sentMs: now).sealed(by: attacker) }
    }

    @Test("beacons past the rate limit are dropped before they are read; senders outside the allowed set are ignored")
    func rateLimitAndAllowList() throws {
        let allowed = NodeIdentity.generate()
        var filter = Self.filter(allowed: [allowed.nodeID]) { configuration in
            configuration.burst = 5
            configuration.maxBeaconsPerSecond = 10
        }
        let now: UInt64 = 1_700_000_000_000
        var outcomes: [Bool] = []
        for _ in 0..<8 {
            let sender = NodeIdentity.generate()
            outcomes.append(try filter.take(Self.beacon(sender, sentMs: now).sealed(by: sender), source: nil, nowMs: now).isSuccess)
        }
        #expect(outcomes.allSatisfy { !$0 })
        #expect(filter.refused[.foreign] == 5)  // the burst: read, then ignored as not allowed
        #expect(filter.refused[.rateLimited] == 3)
        // 100 ms later one token is back (10 per second).
        #expect(try filter.take(Self.beacon(allowed, sentMs: now + 100).sealed(by: allowed), source: nil, nowMs: now + 100).isSuccess)
        #expect(try filter.take(Self.beacon(allowed, sentMs: now + 700).sealed(by: allowed), source: nil, nowMs: now + 101).failureCode == .invalidInput)
    }

    /// Discovery settings for a loopback test: a random port and cluster so parallel runs never meet.
    static func loopbackDiscovery() -> MeshDiscoveryConfiguration {
        var configuration = MeshDiscoveryConfiguration(cluster: "test-\(UUID().uuidString.prefix(8))", interface: "127.0.0.1")
        configuration.port = Int.random(in: 40_000...59_999)
        configuration.intervalMs = 100
        configuration.minPeerIntervalMs = 50
        return configuration
    }

    @Test("nodes with no seeds find each other by multicast beacon on loopback; a node without discovery stays alone; a forged beacon dials nothing")
    func loopbackDiscovery() async throws {
        let discovery = Self.loopbackDiscovery()
        // Skip only when this host cannot do multicast on loopback (the socket option fails), and say so.
        do {
            let probe = try await MeshDiscovery.open(configuration: discovery, identity: .generate())
            let task = Task { try await probe.run(announcing: MeshAddress(host: "127.0.0.1", port: 1)) { _ in } }
            task.cancel()
            _ = await task.result
        } catch let error as HiveError where error.code == .unavailable && error.message.contains("multicast socket option failed") {
            try Test.cancel("multicast on loopback is unavailable on this host: \(error.message)")
        }

        // A TCP listener standing where a forged beacon points: nothing may connect to it.
        let connections = Atomic<Int>(0)
        let trap = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                connections.add(1, ordering: .relaxed)
                return channel.close()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { trap.close(promise: nil) }
        let trapPort = try #require(trap.localAddress?.port)

        let mesh = try await TestMesh(count: 3, seeded: false, configure: { $0.discovery = discovery })
        let loner = try MeshNode(store: try makeStore("loner"), configuration: testConfiguration())
        try await loner.start()
        let lonerTask = Task { try await loner.run() }
        defer {
            lonerTask.cancel()
            Task { await mesh.stopAll() }
        }

        let victim = mesh.nodes[0].store.identity
        let attacker = NodeIdentity.generate()
        let forged = MeshBeacon(
            cluster: discovery.cluster, publicKey: victim.publicKeyHex, listen: "127.0.0.1:\(trapPort)",
            sentMs: HybridLogicalClock.systemMilliseconds() + 1_000)
        let signature = try attacker.sign(MeshBeacon.signingMessage(try CanonicalJSON.encode(forged)))
        try await MeshDiscovery.send(
            Array(try HiveJSON.encode(MeshBeacon.Signed(beacon: forged, signature: Hex.encode(signature)))), to: discovery)

        #expect(await eventually(15) { await mesh.fullyJoined() })
        #expect(await eventually { (await mesh.nodes[1].status().beaconsRefused?["forged"] ?? 0) >= 1 })
        #expect(connections.load(ordering: .relaxed) == 0)
        #expect(await loner.members.isEmpty)
        #expect(await loner.status().beaconsAccepted == nil)
        let accepted = await mesh.nodes[2].status().beaconsAccepted ?? 0
        #expect(accepted >= 2)
    }

    @Test("bad discovery settings are refused with a specific error")
    func badSettings() async throws {
        var configuration = Self.loopbackDiscovery()
        configuration.group = "10.0.0.1"
        await #expect(throws: HiveError.self) { try await MeshDiscovery.open(configuration: configuration, identity: .generate()) }
        configuration = Self.loopbackDiscovery()
        configuration.interface = "203.0.113.99"
        await #expect(throws: HiveError.self) { try await MeshDiscovery.open(configuration: configuration, identity: .generate()) }
        configuration = Self.loopbackDiscovery()
        configuration.intervalMs = 1
        await #expect(throws: HiveError.self) { try await MeshDiscovery.open(configuration: configuration, identity: .generate()) }
    }
}

extension Result where Failure == HiveError {
    var failureCode: HiveError.Code? {
        if case .failure(let error) = self { return error.code }
        return nil
    }

    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
