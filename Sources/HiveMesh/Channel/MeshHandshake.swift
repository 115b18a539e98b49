import Crypto
import Foundation
import HiveCore

/// The signed handshake that authenticates both ends of a mesh connection.
///
/// 1. Each side sends a ``MeshHello``: its Ed25519 public key, 32 fresh random bytes, its listen address.
/// 2. Each side signs `"hive.mesh.handshake.v1" ‖ 0x00 ‖ role ‖ 0x00 ‖ SHA-256(transcript)`, where the
///    transcript is the canonical JSON of the initiator's hello, a 0x00, then the responder's hello, and
///    role is `initiator` or `responder`; it sends the signature as ``MeshAuth``.
/// 3. Each side verifies the other's signature under the key announced in the other's hello.
///
/// Why it holds: both nonces are in the transcript, so a signature captured from one connection is
/// useless on any other (no replay); the role in the signed bytes stops a reflected signature
/// (a peer echoing ours back as its own); the domain tag keeps these signatures from ever verifying
/// as a ``SignedEnvelope`` or any other message Hive signs, and vice versa.
///
/// Why not mutual TLS: the identity here *is* the raw Ed25519 node key — there is no CA, and a
/// self-signed certificate would only wrap the same key, with a custom verification callback
/// pinning node keys anyway (swift-nio-ssl and swift-certificates could do it). Everything carried
/// on a mesh link is either a signed envelope (verified end to end, whoever relays it) or gossip
/// that is re-checked on receipt; `local_only.*` data never leaves a device. What TLS would add is
/// confidentiality against an observer of the LAN; that is left for a later version (noted in
/// docs/mesh.md).
public struct MeshHandshake: Sendable {
    /// Domain tag of handshake signatures.
    public static let domain = "hive.mesh.handshake.v1"

    /// Which side of the connection we are.
    public enum Role: String, Sendable { case initiator, responder }

    public let identity: NodeIdentity
    public let role: Role
    /// Our hello (with its fresh nonce).
    public let localHello: MeshHello

    /// Creates our side of a handshake with a fresh 32-byte nonce.
    public init(identity: NodeIdentity, role: Role, listen: String?) {
        self.identity = identity
        self.role = role
        var nonce = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in nonce.indices { nonce[index] = UInt8.random(in: .min ... .max, using: &generator) }
        self.localHello = MeshHello(publicKey: identity.publicKeyHex, nonce: Hex.encode(nonce), listen: listen)
    }

    /// Checks the peer's hello (version, key and nonce shape, not ourselves) and returns its public key.
    public func validate(remote hello: MeshHello) throws -> [UInt8] {
        guard hello.version == MeshHello.currentVersion else {
            throw HiveError(.unauthorized, "peer speaks mesh protocol v\(hello.version); this node speaks v\(MeshHello.currentVersion)")
        }
        guard let key = Hex.decode(hello.publicKey), key.count == Ed25519.publicKeyLength else {
            throw HiveError(.unauthorized, "peer hello carries a malformed public key")
        }
        guard let nonce = Hex.decode(hello.nonce), nonce.count == 32 else {
            throw HiveError(.unauthorized, "peer hello carries a malformed nonce")
        }
        guard key != identity.publicKey else {
            throw HiveError(.unauthorized, "peer presented this node's own key")
        }
        guard hello.nonce != localHello.nonce else {
            throw HiveError(.unauthorized, "peer echoed our nonce")
        }
        if let listen = hello.listen { _ = try MeshAddress(parsing: listen) }
        return key
    }

    /// Our signature over the transcript with the peer's hello.
    public func authenticate(remote hello: MeshHello) throws -> MeshAuth {
        try authenticate(transcript: transcript(remote: hello))
    }

    /// Our signature over a transcript already built with ``transcript(remote:)`` (the channel
    /// builds it once per connection for both signing and verifying: canonical JSON is not free).
    public func authenticate(transcript: [UInt8]) throws -> MeshAuth {
        MeshAuth(signature: Hex.encode(try identity.sign(Self.signingMessage(role: role, transcript: transcript))))
    }

    /// Verifies the peer's proof; throws ``HiveError/Code/unauthorized`` when it does not hold.
    public func verify(remote hello: MeshHello, auth: MeshAuth) throws {
        try verify(remote: hello, auth: auth, transcript: transcript(remote: hello))
    }

    /// ``verify(remote:auth:)`` over a transcript already built with ``transcript(remote:)``.
    public func verify(remote hello: MeshHello, auth: MeshAuth, transcript: [UInt8]) throws {
        let key = try validate(remote: hello)
        guard let signature = Hex.decode(auth.signature) else {
            throw HiveError(.unauthorized, "peer handshake signature is not hex")
        }
        let peerRole: Role = role == .initiator ? .responder : .initiator
        do {
            try Ed25519.verify(
                signature: signature, message: Self.signingMessage(role: peerRole, transcript: transcript),
                publicKey: key)
        } catch {
            throw HiveError(.unauthorized, "peer handshake signature does not verify: \(error)")
        }
    }

    /// Canonical JSON of the initiator's hello, 0x00, canonical JSON of the responder's hello.
    public func transcript(remote: MeshHello) throws -> [UInt8] {
        let initiator = role == .initiator ? localHello : remote
        let responder = role == .initiator ? remote : localHello
        var bytes = try CanonicalJSON.encode(initiator)
        bytes.append(0)
        bytes.append(contentsOf: try CanonicalJSON.encode(responder))
        return bytes
    }

    static func signingMessage(role: Role, transcript: [UInt8]) -> [UInt8] {
        var message = Array(domain.utf8)
        message.append(0)
        message.append(contentsOf: role.rawValue.utf8)
        message.append(0)
        message.append(contentsOf: SHA256.hash(data: transcript))
        return message
    }
}
