import Foundation
import HiveCore
import HiveTwin
import Synchronization
import Testing

@testable import HiveMesh

/// A fresh twin store in a temporary directory.
func makeStore(_ name: String = "twin") throws -> TwinStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hive-mesh-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var configuration = TwinStoreConfiguration()
    configuration.durability = .normal
    return try TwinStore(
        path: directory.appendingPathComponent("\(name).sqlite").path, identity: .generate(), userID: name,
        configuration: configuration)
}

/// Fast protocol timings for loopback tests.
func testConfiguration(seeds: [MeshAddress] = []) -> MeshNodeConfiguration {
    var configuration = MeshNodeConfiguration(listen: MeshAddress(host: "127.0.0.1", port: 0), seeds: seeds)
    configuration.swim.probeIntervalMs = 100
    configuration.swim.ackTimeoutMs = 50
    configuration.antiEntropyIntervalMs = 50
    configuration.hubIntervalMs = 50
    configuration.channel.backoff = MeshBackoff(baseMs: 20, capMs: 200)
    return configuration
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
/// A condition that throws counts as not (yet) holding.
func eventually(_ seconds: Double = 20, _ condition: () async throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return (try? await condition()) == true
}

/// A running group of mesh nodes on loopback, each with its own store; the first is the seed.
final class TestMesh: Sendable {
    let nodes: [MeshNode]
    let tasks: [Task<Void, any Error>]

    /// `seeded: false` gives the nodes no seed at all (they must discover each other).
    init(
        count: Int, seeded: Bool = true, hub: (String) -> (any MeshHubLink)? = { _ in nil },
        configure: (inout MeshNodeConfiguration) -> Void = { _ in }
    ) async throws {
        var nodes: [MeshNode] = []
        var seed: MeshAddress?
        for index in 0..<count {
            var configuration = testConfiguration(seeds: seed.map { [$0] } ?? [])
            configuration.expectedClusterSize = count
            configure(&configuration)
            let store = try makeStore("n\(index)")
            let node = try MeshNode(store: store, configuration: configuration, hub: hub(store.identity.nodeID))
            let bound = try await node.start()
            if seed == nil, seeded { seed = bound }
            nodes.append(node)
        }
        self.nodes = nodes
        self.tasks = nodes.map { node in Task { try await node.run() } }
    }

    func stop(_ index: Int) async {
        tasks[index].cancel()
        await nodes[index].isolate(true)
    }

    func stopAll() async {
        for task in tasks { task.cancel() }
        for node in nodes { await node.isolate(true) }
    }

    /// Whether every running node sees every other as alive.
    func fullyJoined(_ indices: [Int]? = nil) async -> Bool {
        let chosen = indices ?? Array(nodes.indices)
        for index in chosen {
            let members = await nodes[index].members
            let others = chosen.filter { $0 != index }.map { nodes[$0].nodeID }
            if !others.allSatisfy({ members[$0] == .alive }) { return false }
        }
        return true
    }
}

/// A hub stand-in built from the real dedupe path: an `OfflineEnvelopeStore` inbox that verifies
/// each envelope and counts it once by id. It can be switched off to simulate the hub being out of reach.
final class InboxHub: MeshHubLink {
    let inbox: OfflineEnvelopeStore
    private let state = Mutex((reachable: Set<String>(), accepted: 0, duplicates: 0))

    init() throws {
        inbox = OfflineEnvelopeStore(store: try makeStore("hub"))
    }

    /// A link for one node (by id); only nodes marked reachable get through.
    func link(for nodeID: String) -> any MeshHubLink { Link(hub: self, nodeID: nodeID) }

    func setReachable(_ nodeID: String, _ reachable: Bool) {
        state.withLock { if reachable { $0.reachable.insert(nodeID) } else { $0.reachable.remove(nodeID) } }
    }

    var accepted: Int { state.withLock { $0.accepted } }
    var duplicates: Int { state.withLock { $0.duplicates } }

    func deliver(_ envelope: SignedEnvelope) async throws {
        let outcome = try inbox.receive(envelope) { _, _ in }
        state.withLock { if outcome == .accepted { $0.accepted += 1 } else { $0.duplicates += 1 } }
    }

    struct Link: MeshHubLink {
        let hub: InboxHub
        let nodeID: String
        func deliver(_ envelope: SignedEnvelope) async throws {
            guard hub.state.withLock({ $0.reachable.contains(nodeID) }) else {
                throw HiveError(.unavailable, "hub out of reach")
            }
            try await hub.deliver(envelope)
        }
    }
}
