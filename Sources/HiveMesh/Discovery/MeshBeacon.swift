import Crypto
import Foundation
import HiveCore

/// A LAN discovery beacon: "the node holding this key listens at this address", signed by that key.
///
/// On the wire a beacon is the JSON of ``Signed``: the beacon and an Ed25519 signature over
/// `"hive.mesh.beacon.v1" ‖ 0x00 ‖ canonical JSON of the beacon`. The domain tag keeps a beacon
/// signature from verifying as a handshake, an envelope or anything else Hive signs.
public struct MeshBeacon: Sendable, Hashable, Codable {
    /// Domain tag of beacon signatures.
    public static let domain = "hive.mesh.beacon.v1"
    public static let currentVersion = 1

    public var version: Int
    /// Mesh name: nodes ignore beacons of another cluster (several meshes can share a LAN).
    public var cluster: String
    /// Raw Ed25519 public key of the sender (hex).
    public var publicKey: String
    /// Where the sender accepts mesh connections ("host:port"; an unspecified host such as
    /// 0.0.0.0 is replaced by the datagram's source address on receipt).
    public var listen: String
    /// Sender's wall clock in ms, strictly increasing per sender: receivers refuse a beacon that is
    /// not newer than the last one they took from that key (replay) or too far from their own clock.
    public var sentMs: UInt64

    public init(version: Int = MeshBeacon.currentVersion, cluster: String, publicKey: String, listen: String, sentMs: UInt64) {
        self.version = version
        self.cluster = cluster
        self.publicKey = publicKey
        self.listen = listen
        self.sentMs = sentMs
    }

    /// A beacon with its signature, as sent in one datagram.
    public struct Signed: Sendable, Hashable, Codable {
        public var beacon: MeshBeacon
        /// Ed25519 signature (hex).
        public var signature: String

        public init(beacon: MeshBeacon, signature: String) {
            self.beacon = beacon
            self.signature = signature
        }
    }

    /// Signs this beacon with `identity` (whose key it must carry) and returns the datagram bytes.
    public func sealed(by identity: NodeIdentity) throws -> [UInt8] {
        guard publicKey == identity.publicKeyHex else {
            throw HiveError(.invalidInput, "a beacon must carry the key of the identity signing it")
        }
        let signature = try identity.sign(Self.signingMessage(try CanonicalJSON.encode(self)))
        return Array(try HiveJSON.encode(Signed(beacon: self, signature: Hex.encode(signature))))
    }

    /// Decodes a datagram and checks its shape and signature; returns the beacon and the sender's key.
    ///
    /// Throws ``HiveError/Code/invalidInput`` for an oversized datagram, ``HiveError/Code/malformed``
    /// for bytes that are not a beacon, and ``HiveError/Code/badSignature`` when the signature does
    /// not verify under the key the beacon carries (a forged beacon).
    public static func open(_ datagram: [UInt8], maxBytes: Int) throws -> (beacon: MeshBeacon, key: [UInt8], listen: MeshAddress) {
        guard datagram.count <= maxBytes else {
            throw HiveError(.invalidInput, "beacon of \(datagram.count) bytes exceeds \(maxBytes)")
        }
        let signed: Signed
        do {
            signed = try HiveJSON.decode(Signed.self, from: datagram)
        } catch {
            throw HiveError(.malformed, "datagram is not a mesh beacon")
        }
        let beacon = signed.beacon
        guard beacon.version == currentVersion else {
            throw HiveError(.malformed, "beacon version \(beacon.version) is not \(currentVersion)")
        }
        guard let key = Hex.decode(beacon.publicKey), key.count == Ed25519.publicKeyLength else {
            throw HiveError(.malformed, "beacon carries a malformed public key")
        }
        guard let signature = Hex.decode(signed.signature) else {
            throw HiveError(.malformed, "beacon signature is not hex")
        }
        let listen = try MeshAddress(parsing: beacon.listen)
        guard (1...65535).contains(listen.port) else { throw HiveError(.malformed, "beacon listen port is 0") }
        do {
            try Ed25519.verify(signature: signature, message: signingMessage(try CanonicalJSON.encode(beacon)), publicKey: key)
        } catch {
            throw HiveError(.badSignature, "beacon signature does not verify under its key")
        }
        return (beacon, key, listen)
    }

    static func signingMessage(_ canonical: [UInt8]) -> [UInt8] {
        var message = Array(domain.utf8)
        message.append(0)
        message.append(contentsOf: canonical)
        return message
    }
}
