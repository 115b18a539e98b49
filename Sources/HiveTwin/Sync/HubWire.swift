import Foundation
import HiveCore
import HiveLedger

/// The hub's registration and info messages as the twin sends and reads them. They mirror
/// `HiveHub.Registration` (the twin must not link the hub); the signing message format is the
/// one `HiveHub.Registration.signingMessage` defines.
enum HubWire {
    struct Challenge: Codable { var challenge: String; var expiresAt: Int64 }

    struct RegisterRequest: Codable {
        var publicKey: String
        var userID: String
        var metadata: [String: String]
        var challenge: String
        var signature: String
    }

    struct RegisterResponse: Codable {
        var twinID: String
        var accessToken: String
        var accessTokenExpiresAt: Int64
        var hubPublicKey: String
    }

    struct HubInfo: Codable {
        var publicKey: String
        var nodeID: String
        /// The global model's shape (absent on hubs without an aggregation engine).
        var model: ModelShape?
    }

    /// `GET /api/v1/hub` → `model`: what a twin needs to train updates the hub accepts.
    struct ModelShape: Codable, Hashable {
        var itemCount: Int
        var rank: Int
    }

    /// The `receipts` key the hub adds to its sync answer (`HiveHub.SyncAnswer`): the ledger
    /// inclusion receipt of each accepted envelope, by envelope id.
    /// A sync answer decoded in one pass: the ``OmegaSyncResponse`` and the hub's extra keys.
    struct SyncAnswer: Decodable {
        var response: OmegaSyncResponse
        var extras: SyncReceipts

        init(from decoder: any Decoder) throws {
            response = try OmegaSyncResponse(from: decoder)
            extras = try SyncReceipts(from: decoder)
        }
    }

    struct SyncReceipts: Decodable {
        var receipts: [String: InclusionReceipt]?
        /// With `ledgerFrom` in the request (hubs that know it): the head to move to and a
        /// consistency proof from the kept size to it.
        var treeHead: SignedTreeHead?
        var consistency: ConsistencyProof?
    }

    /// The ledger entry the hub appends for an accepted envelope (mirrors
    /// `HiveHub.HubLedgerEntry.envelope(_:twinID:)`; a test checks the bytes are identical): the
    /// twin rebuilds it from the envelope it pushed to check its receipt.
    struct EnvelopeLedgerEntry: Encodable {
        var kind = "envelope"
        var ref: String
        var twin: String
        var envelopeKind: String
        var signer: String
        var signature: String

        enum CodingKeys: String, CodingKey {
            case kind, ref, twin, signer, signature
            case envelopeKind = "envelope_kind"
        }
    }

    /// The bytes of ``EnvelopeLedgerEntry`` for `envelope` pushed by `twinID`.
    static func envelopeLedgerEntry(_ envelope: SignedEnvelope, twinID: String) throws -> [UInt8] {
        Array(
            try HiveJSON.encode(
                EnvelopeLedgerEntry(
                    ref: envelope.id, twin: twinID, envelopeKind: envelope.kind.rawValue, signer: Hex.encode(envelope.signer),
                    signature: Data(envelope.signature).base64EncodedString())))
    }

    /// An RFC 9457 problem body (only the fields the twin reports).
    struct Problem: Codable { var type: String?; var title: String?; var detail: String? }

    /// `"hive.register.v1" ‖ 0 ‖ challenge ‖ 0 ‖ key hex ‖ 0 ‖ user`.
    static func registrationMessage(challenge: String, publicKeyHex: String, userID: String) -> [UInt8] {
        var message = Array("hive.register.v1".utf8)
        for part in [challenge, publicKeyHex, userID] {
            message.append(0)
            message.append(contentsOf: part.utf8)
        }
        return message
    }

    struct TokenClaims: Codable { var iss: String; var sub: String; var iat: Int64; var exp: Int64 }

    /// Verifies an EdDSA JWT from the hub with the pinned key and returns its claims.
    static func verifyToken(_ token: String, hubPublicKey: [UInt8]) throws -> TokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let claimsData = base64URL(parts[1]), let signature = base64URL(parts[2]) else {
            throw HiveError(.malformed, "the hub's access token is not a JWT")
        }
        try Ed25519.verify(signature: Array(signature), message: Array("\(parts[0]).\(parts[1])".utf8), publicKey: hubPublicKey)
        let claims = try HiveJSON.decode(TokenClaims.self, from: claimsData)
        guard claims.iss == NodeIdentity.nodeID(forPublicKey: hubPublicKey) else {
            throw HiveError(.badSignature, "access token issued by \(claims.iss.prefix(32)), not the pinned hub")
        }
        return claims
    }

    static func base64URL(_ text: Substring) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s.append("=") }
        return Data(base64Encoded: s)
    }
}
