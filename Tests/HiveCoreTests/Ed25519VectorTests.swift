import Crypto
import Foundation
import Testing
@testable import HiveCore

@Suite("Ed25519 RFC 8032 §7.1 vectors through the envelope code path")
struct Ed25519VectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let secret: String
        let publicKey: String
        let message: String
        let signature: String
        var testDescription: String { name }
    }

    static let vectors = [
        Vector(
            name: "TEST 1", secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", message: "",
            signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        Vector(
            name: "TEST 2", secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", message: "72",
            signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        Vector(
            name: "TEST 3", secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", message: "af82",
            signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ]

    @Test("vector verifies, signs identically, and a one-bit change fails", arguments: vectors)
    func vector(_ v: Vector) throws {
        let publicKey = try #require(Hex.decode(v.publicKey))
        let message = try #require(Hex.decode(v.message))
        let signature = try #require(Hex.decode(v.signature))
        try Ed25519.verify(signature: signature, message: message, publicKey: publicKey)

        let identity = NodeIdentity(privateKey: try .init(rawRepresentation: try #require(Hex.decode(v.secret))))
        #expect(identity.publicKey == publicKey)
        #expect(try identity.sign(message) == signature)  // Ed25519 is deterministic

        var tampered = signature
        tampered[0] ^= 1
        #expect(throws: HiveError.self) { try Ed25519.verify(signature: tampered, message: message, publicKey: publicKey) }
    }

    @Test("an envelope signed with a vector key verifies and names a bad signature")
    func envelopeWithVectorKey() throws {
        let identity = NodeIdentity(privateKey: try .init(rawRepresentation: try #require(Hex.decode(Self.vectors[0].secret))))
        let stamp = HLCTimestamp(physicalMs: 1_700_000_000_000, logical: 0, nodeID: identity.nodeID)
        let envelope = try SignedEnvelope.sign(["hello": "world"], kind: .pattern, stamp: stamp, identity: identity)
        try envelope.verify()
        let forged = SignedEnvelope(
            kind: envelope.kind, payload: envelope.payload, signer: envelope.signer,
            signature: try #require(Hex.decode(Self.vectors[1].signature)), stamp: envelope.stamp)
        let error = try #require(throws: HiveError.self) { try forged.verify() }
        #expect(error.code == .badSignature)
    }
}
