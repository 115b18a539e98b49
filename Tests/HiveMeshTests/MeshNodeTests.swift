import Foundation
import HiveCore
import HiveTwin
import Testing

@testable import HiveMesh

@Suite("MeshNode", .serialized)
struct MeshNodeTests {
    @Test("partition, write on both sides, heal: snapshots converge and local_only stays put")
    func partitionHeal() async throws {
        let mesh = try await TestMesh(count: 3)
        defer { Task { await mesh.stopAll() } }
        let (a, c) = (mesh.nodes[0], mesh.nodes[2])
        #expect(await eventually { await mesh.fullyJoined() })
        try a.snapshots.set("genre.weights", .string("before"))
        #expect(await eventually { try c.snapshots.value("genre.weights") == .string("before") })

        await c.isolate(true)
        try a.snapshots.set("shared.a", .string("from a"))
        try c.snapshots.set("shared.c", .string("from c"))
        try a.snapshots.set("genre.weights", .string("a wins later"))
        try c.snapshots.set("local_only.secret", .string("c private"))
        try a.snapshots.set("local_only.secret", .string("a private"))
        try await Task.sleep(for: .milliseconds(300))
        #expect(try c.snapshots.value("shared.a") == nil)  // really cut off

        await c.isolate(false)
        let converged = await eventually {
            let snapshots = try mesh.nodes.map { try $0.snapshots.snapshot().exported() }
            return snapshots.allSatisfy { $0 == snapshots[0] } && snapshots[0]["shared.c"] != nil
                && snapshots[0]["shared.a"] != nil
        }
        #expect(converged)
        #expect(try c.snapshots.value("genre.weights") == .string("a wins later"))
        #expect(try a.snapshots.value("local_only.secret") == .string("a private"))
        #expect(try c.snapshots.value("local_only.secret") == .string("c private"))
        #expect(try mesh.nodes[1].snapshots.value("local_only.secret") == nil)
    }

    @Test("with no piggybacked gossip at all, the push-pull member sync alone makes every node know every other")
    func membershipSync() async throws {
        // Each node is seeded with node 0 only; with piggybacking off, only the full-state sync can
        // tell nodes 1…3 about each other (without it they stay unknown to each other for good).
        let mesh = try await TestMesh(count: 4, configure: { configuration in
            configuration.swim.maxPiggyback = 0
            configuration.membershipSyncEvery = 3
        })
        defer { Task { await mesh.stopAll() } }
        #expect(await eventually { await mesh.fullyJoined() })
    }

    @Test("hub-bound envelopes relayed through peers reach the hub exactly once")
    func relayOnce() async throws {
        let hub = try InboxHub()
        let mesh = try await TestMesh(count: 3, hub: { hub.link(for: $0) })
        defer { Task { await mesh.stopAll() } }
        let (offline, relays) = (mesh.nodes[0], mesh.nodes[1...])
        for relay in relays { hub.setReachable(relay.nodeID, true) }
        #expect(await eventually { await mesh.fullyJoined() })
        for index in 0..<3 { try offline.snapshots.set("watch.\(index)", .number(Double(index)), outbox: offline.outbox) }
        try offline.snapshots.set("local_only.history", .string("private"), outbox: offline.outbox)
        let ids = try offline.outbox.pending().map(\.envelope.id)
        #expect(ids.count == 3)
        #expect(await eventually { hub.accepted == 3 })
        for id in ids { #expect(try hub.inbox.hasReceived(envelopeID: id)) }
        // The signer comes back online and sends its own copies: the hub sees duplicates, counts nothing twice.
        hub.setReachable(offline.nodeID, true)
        #expect(await eventually { try offline.outbox.pending().isEmpty })
        try await Task.sleep(for: .milliseconds(200))
        #expect(hub.accepted == 3)
        #expect(hub.duplicates >= 3)
        #expect(try hub.inbox.stats().inbox == 3)
    }

    @Test("leader failover raises the term and no term has two leaders")
    func failover() async throws {
        let mesh = try await TestMesh(count: 3)
        defer { Task { await mesh.stopAll() } }
        #expect(await eventually { await mesh.fullyJoined() })
        let ids = mesh.nodes.map(\.nodeID)
        let first = ids.min()!
        #expect(await eventually {
            var leaders: [String?] = []
            for node in mesh.nodes { leaders.append(await node.leadership.leader) }
            return leaders.allSatisfy { $0 == first }
        })
        let oldTerm = await mesh.nodes[ids.firstIndex(of: first)!].leadership.term
        let dead = ids.firstIndex(of: first)!
        await mesh.stop(dead)
        let survivors = mesh.nodes.indices.filter { $0 != dead }
        let next = survivors.map { ids[$0] }.min()!
        let started = Date()
        #expect(await eventually(15) {
            var ok = true
            for index in survivors {
                let view = await mesh.nodes[index].leadership
                ok = ok && view.leader == next && view.term > oldTerm
            }
            return ok
        })
        let failoverSeconds = Date().timeIntervalSince(started)
        #expect(failoverSeconds < 10)
        let token = await mesh.nodes[ids.firstIndex(of: next)!].fencingToken
        #expect(token.map { $0.term > oldTerm } == true)
        var byTerm: [UInt64: Set<String>] = [:]
        for node in mesh.nodes {
            for (term, leaders) in await node.observedLeaders { byTerm[term, default: []].formUnion(leaders) }
        }
        #expect(byTerm.values.allSatisfy { $0.count == 1 })
    }

    @Test("votes gossip through the mesh; a blocked identity's vote does not count anywhere")
    func meshVotes() async throws {
        let blocked = NodeIdentity.generate()
        let mesh = try await TestMesh(count: 3, configure: { $0.blockedVoters = [blocked.nodeID]; $0.quorum = 3 })
        defer { Task { await mesh.stopAll() } }
        #expect(await eventually { await mesh.fullyJoined() })
        let subject = MeshVote.subject(forURL: "https://bad.example")
        let outsider = try MeshVote.cast(.benign, on: subject, by: blocked, stamp: HLCTimestamp(physicalMs: HybridLogicalClock.systemMilliseconds(), logical: 0, nodeID: blocked.nodeID))
        #expect(try await mesh.nodes[0].submit(vote: outsider) == .blockedVoter(blocked.nodeID))
        for node in mesh.nodes { try await node.vote(subject: subject, verdict: .malicious) }
        try await mesh.nodes[1].vote(subject: subject, verdict: .benign)  // a second vote by the same identity
        #expect(await eventually {
            for node in mesh.nodes where await node.verdict(subject).verdict != .malicious { return false }
            return true
        })
        for node in mesh.nodes {
            let result = await node.verdict(subject)
            #expect(result.voters == mesh.nodes.map { $0.nodeID }.sorted() && result.benign == 0)
            #expect(await node.blocklist.contains(subject))
        }
    }
}
