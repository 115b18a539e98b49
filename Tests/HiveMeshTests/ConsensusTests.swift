import HiveCore
import Testing

@testable import HiveMesh

@Suite("MeshConsensus")
struct ConsensusTests {
    let subject = MeshVote.subject(forURL: "https://phish.example/login")

    func vote(_ identity: NodeIdentity, _ verdict: MeshVote.Verdict, at ms: UInt64 = 1_000) throws -> SignedEnvelope {
        try MeshVote.cast(verdict, on: subject, by: identity, stamp: HLCTimestamp(physicalMs: ms, logical: 0, nodeID: identity.nodeID))
    }

    @Test("a quorum above threshold decides; voters are recorded; the verdict feeds the blocklist")
    func decides() throws {
        var consensus = try MeshConsensus(quorum: 3, threshold: 0.66)
        let voters = (0..<4).map { _ in NodeIdentity.generate() }
        try consensus.record(vote(voters[0], .malicious))
        try consensus.record(vote(voters[1], .malicious))
        #expect(consensus.result(subject).verdict == nil)  // below quorum
        try consensus.record(vote(voters[2], .benign))
        #expect(consensus.result(subject).verdict == .malicious)  // 2/3 ≥ 0.66
        try consensus.record(vote(voters[3], .benign))
        #expect(consensus.result(subject).verdict == nil)  // 2/4 below threshold
        #expect(consensus.result(subject).voters == voters.map(\.nodeID).sorted())
        #expect(!consensus.blocklist.contains(subject))
        consensus.hubBlocklist = ["ab" + String(repeating: "0", count: 62)]
        #expect(consensus.blocklist.count == 1)
    }

    @Test("votes from a blocked or duplicate identity do not count")
    func blockedAndDuplicate() throws {
        let blocked = NodeIdentity.generate()
        var consensus = try MeshConsensus(quorum: 2, threshold: 0.66, blockedVoters: [blocked.nodeID])
        let honest = NodeIdentity.generate()
        #expect(try consensus.record(vote(blocked, .benign)) == .blockedVoter(blocked.nodeID))
        #expect(try consensus.record(vote(honest, .malicious, at: 1_000)) == nil)
        #expect(try consensus.record(vote(honest, .benign, at: 2_000)) == .duplicateVoter(honest.nodeID))
        #expect(try consensus.record(vote(honest, .malicious, at: 1_000)) == nil)  // the same envelope again
        let result = consensus.result(subject)
        #expect(result.malicious == 1 && result.benign == 0 && result.voters == [honest.nodeID])
        #expect(result.verdict == nil)
        // The earliest vote counts whatever the arrival order.
        var reversed = try MeshConsensus(quorum: 1, threshold: 0.66)
        try reversed.record(vote(honest, .benign, at: 2_000))
        try reversed.record(vote(honest, .malicious, at: 1_000))
        #expect(reversed.result(subject).verdict == .malicious)
    }

    @Test("forged votes and bad subjects or parameters are refused")
    func refusals() throws {
        var consensus = try MeshConsensus(quorum: 1, threshold: 0.9)
        let good = try vote(.generate(), .malicious)
        var signature = good.signature
        signature[0] ^= 1
        let forged = SignedEnvelope(kind: .vote, payload: good.payload, signer: good.signer, signature: signature, stamp: good.stamp)
        #expect(throws: HiveError.self) { try consensus.record(forged) }
        #expect(consensus.results.isEmpty)
        #expect(throws: HiveError.self) { _ = try MeshVote(subject: "not-a-hash", verdict: .benign, voter: "x") }
        // A vote naming someone else as voter is refused, whether signing or counting.
        let alice = NodeIdentity.generate()
        let mallory = NodeIdentity.generate()
        let claim = try MeshVote(subject: subject, verdict: .benign, voter: alice.nodeID)
        #expect(throws: HiveError.self) { _ = try claim.envelope(identity: mallory, stamp: good.stamp) }
        let smuggled = try SignedEnvelope.sign(claim, kind: .vote, stamp: good.stamp, identity: mallory)
        #expect(throws: HiveError.self) { try consensus.record(smuggled) }
        #expect(throws: HiveError.self) { _ = try MeshConsensus(quorum: 0) }
        #expect(throws: HiveError.self) { _ = try MeshConsensus(threshold: .nan) }
        #expect(throws: HiveError.self) { _ = try MeshConsensus(threshold: 0.4) }
    }
}
