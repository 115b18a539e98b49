import HiveCore
import Testing

@testable import HiveMesh

@Suite("MeshHandshake")
struct HandshakeTests {
    @Test("both sides authenticate each other over one transcript")
    func mutualProof() throws {
        let a = MeshHandshake(identity: .generate(), role: .initiator, listen: "127.0.0.1:1")
        let b = MeshHandshake(identity: .generate(), role: .responder, listen: nil)
        try b.verify(remote: a.localHello, auth: try a.authenticate(remote: b.localHello))
        try a.verify(remote: b.localHello, auth: try b.authenticate(remote: a.localHello))
    }

    @Test("a proof from another connection, a reflected proof or a forged key is refused")
    func refusals() throws {
        let alice = NodeIdentity.generate()
        let bob = NodeIdentity.generate()
        let a1 = MeshHandshake(identity: alice, role: .initiator, listen: nil)
        let b1 = MeshHandshake(identity: bob, role: .responder, listen: nil)
        let proof1 = try a1.authenticate(remote: b1.localHello)
        // Replay: the same proof on a fresh connection (new nonces) does not verify.
        let b2 = MeshHandshake(identity: bob, role: .responder, listen: nil)
        #expect(throws: HiveError.self) { try b2.verify(remote: a1.localHello, auth: proof1) }
        // Reflection: the responder's own proof echoed back as the initiator's.
        let bobProof = try b1.authenticate(remote: a1.localHello)
        var mirrored = a1.localHello
        mirrored.publicKey = bob.publicKeyHex
        #expect(throws: HiveError.self) { try b1.verify(remote: mirrored, auth: bobProof) }
        // Impersonation: Mallory claims Alice's key but signs with her own.
        let mallory = MeshHandshake(identity: .generate(), role: .initiator, listen: nil)
        var claimed = mallory.localHello
        claimed.publicKey = alice.publicKeyHex
        let forged = try mallory.authenticate(remote: b1.localHello)
        #expect(throws: HiveError.self) { try b1.verify(remote: claimed, auth: forged) }
    }

    @Test("malformed hellos are refused with a specific error")
    func malformedHello() throws {
        let b = MeshHandshake(identity: .generate(), role: .responder, listen: nil)
        var hello = MeshHandshake(identity: .generate(), role: .initiator, listen: nil).localHello
        hello.version = 99
        #expect(throws: HiveError.self) { _ = try b.validate(remote: hello) }
        hello.version = MeshHello.currentVersion
        hello.nonce = "abcd"
        #expect(throws: HiveError.self) { _ = try b.validate(remote: hello) }
        var own = b.localHello
        own.nonce = String(repeating: "0", count: 64)
        #expect(throws: HiveError.self) { _ = try b.validate(remote: own) }
        hello = MeshHandshake(identity: .generate(), role: .initiator, listen: "nonsense").localHello
        #expect(throws: HiveError.self) { _ = try b.validate(remote: hello) }
    }

    @Test("full-jitter backoff stays within its growing ceiling")
    func backoff() {
        let backoff = MeshBackoff(baseMs: 100, capMs: 1_000)
        #expect(backoff.ceilingMs(attempt: 0) == 100)
        #expect(backoff.ceilingMs(attempt: 3) == 800)
        #expect(backoff.ceilingMs(attempt: 60) == 1_000)
        for attempt in 0..<10 { #expect(backoff.delayMs(attempt: attempt) <= backoff.ceilingMs(attempt: attempt)) }
    }
}
