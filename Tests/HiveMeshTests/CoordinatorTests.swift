import HiveCore
import Testing

@testable import HiveMesh

@Suite("ClusterCoordinator")
struct CoordinatorTests {
    @Test("the smallest live id stands, wins with a majority, and a voter votes once per term")
    func election() {
        let ids = ["a", "b", "c"]
        var a = ClusterCoordinator(localID: "a")
        var b = ClusterCoordinator(localID: "b")
        var c = ClusterCoordinator(localID: "c")
        #expect(b.tick(nowMs: 0, live: ids, clusterSize: 3).isEmpty)  // not the smallest
        let request = a.tick(nowMs: 0, live: ids, clusterSize: 3)
        #expect(request.first?.kind == .requestVote && request.first?.term == 1)
        let vote = b.handle(request[0], from: "a", nowMs: 0, live: ids, clusterSize: 3)
        #expect(vote.first?.message.granted == true)
        // b will not also vote for c in term 1.
        let rival = ElectionMessage(kind: .requestVote, term: 1, candidate: "c")
        #expect(b.handle(rival, from: "c", nowMs: 0, live: ids, clusterSize: 3).first?.message.granted == false)
        // nor does a voter back a candidate larger than the smallest id it sees alive.
        #expect(c.handle(rival, from: "c", nowMs: 0, live: ids, clusterSize: 3).first?.message.granted == false)
        let announce = a.handle(vote[0].message, from: "b", nowMs: 0, live: ids, clusterSize: 3)
        #expect(a.isLeader && announce.first?.message.kind == .announce)
        #expect(a.fencingToken == FencingToken(term: 1, leader: "a"))
        _ = c.handle(announce[0].message, from: "a", nowMs: 0, live: ids, clusterSize: 3)
        #expect(c.leader == "a" && c.currentTerm == 1)
    }

    @Test("a leader without a majority steps down; fencing refuses stale terms and two leaders per term")
    func fencing() throws {
        var a = ClusterCoordinator(localID: "a")
        #expect(a.tick(nowMs: 0, live: ["a"], clusterSize: 1).isEmpty)  // a lone node never leads
        #expect(a.tick(nowMs: 0, live: ["a", "b"], clusterSize: 2).first?.kind == .requestVote)
        _ = a.handle(ElectionMessage(kind: .vote, term: 1, candidate: "a", granted: true), from: "b", nowMs: 0, live: ["a", "b"], clusterSize: 2)
        #expect(a.isLeader)
        _ = a.tick(nowMs: 10, live: ["a"], clusterSize: 3)
        #expect(!a.isLeader && a.fencingToken == nil)
        var fence = FencingGuard()
        try fence.accept(FencingToken(term: 2, leader: "b"))
        #expect(throws: HiveError.self) { try fence.accept(FencingToken(term: 1, leader: "a")) }
        #expect(throws: HiveError.self) { try fence.accept(FencingToken(term: 2, leader: "c")) }
        try fence.accept(FencingToken(term: 3, leader: "c"))
    }
}
