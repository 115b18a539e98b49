import Foundation
import HiveCore

/// Access tokens: JWTs (RFC 7519) signed with EdDSA over Ed25519 (RFC 8037) by the hub key.
///
/// Header `{"alg":"EdDSA","kid":<hub node id>,"typ":"JWT"}`; claims `iss` (hub node id), `sub`
/// (twin id), `iat`, `exp` (seconds), `jti`. Verification accepts only `alg` EdDSA and the hub's
/// own `kid`/`iss` — a token with `alg: none` or signed by any other key is refused.
///
/// Written on swift-crypto rather than jwt-kit: jwt-kit 5 needs swift-crypto ≥ 4.1 while the
/// package pins 3.x for every target; the format is small and fully specified (see docs/design.md).
public struct AccessToken: Sendable, Hashable {
    /// The twin the token speaks for.
    public let twinID: String
    /// Issued-at, seconds since the Unix epoch.
    public let issuedAt: Int64
    /// Expiry, seconds since the Unix epoch.
    public let expiresAt: Int64

    struct Header: Codable {
        var alg: String
        var kid: String
        var typ: String
    }

    struct Claims: Codable {
        var iss: String
        var sub: String
        var iat: Int64
        var exp: Int64
        var jti: String
    }

    /// Issues a signed token for `twinID` valid for `ttlSeconds` from `nowMs`.
    public static func issue(
        twinID: String, nowMs: Int64, ttlSeconds: Int, identity: NodeIdentity
    ) throws -> (token: String, expiresAtMs: Int64) {
        let iat = nowMs / 1000
        let exp = iat + Int64(ttlSeconds)
        var generator = SystemRandomNumberGenerator()
        let jti = Hex.encode((0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let header = Header(alg: "EdDSA", kid: identity.nodeID, typ: "JWT")
        let claims = Claims(iss: identity.nodeID, sub: twinID, iat: iat, exp: exp, jti: jti)
        let signingInput = base64URL(try HiveJSON.encode(header)) + "." + base64URL(try HiveJSON.encode(claims))
        let signature = try identity.sign(Array(signingInput.utf8))
        return (signingInput + "." + base64URL(Data(signature)), exp * 1000)
    }

    /// Verifies `token` against the hub key; throws `unauthorized` for anything malformed or
    /// forged and ``AccessToken/Expired`` when the signature holds but the token has expired.
    public static func verify(_ token: String, nowMs: Int64, hubPublicKey: [UInt8]) throws -> AccessToken {
        try verify(token, nowMs: nowMs, hubPublicKey: hubPublicKey, issuer: nil)
    }

    /// ``verify(_:nowMs:hubPublicKey:)`` by the hub that holds the private key: the signature is
    /// first compared with the one the hub's key makes for the same bytes, which costs about a
    /// third of an Ed25519 verification. Ed25519 signing is deterministic (RFC 8032), so every
    /// token this key issued matches; a token that does not match (forged, or signed by a replica
    /// whose Ed25519 picks random nonces) goes through the full verification, so the verdict is
    /// exactly the verification's.
    public static func verify(_ token: String, nowMs: Int64, issuer: NodeIdentity) throws -> AccessToken {
        try verify(token, nowMs: nowMs, hubPublicKey: issuer.publicKey, issuer: issuer)
    }

    private static func verify(_ token: String, nowMs: Int64, hubPublicKey: [UInt8], issuer: NodeIdentity?) throws -> AccessToken {
        guard token.utf8.count <= 2048 else { throw HiveError(.unauthorized, "access token is too long") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = decodeBase64URL(parts[0]), let claimsData = decodeBase64URL(parts[1]),
            let signature = decodeBase64URL(parts[2])
        else { throw HiveError(.unauthorized, "access token is not a compact JWS") }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData), header.alg == "EdDSA" else {
            throw HiveError(.unauthorized, "access token must use alg EdDSA")
        }
        let hubID = issuer?.nodeID ?? NodeIdentity.nodeID(forPublicKey: hubPublicKey)
        guard header.kid == hubID else { throw HiveError(.unauthorized, "access token was not issued by this hub") }
        let message = Array("\(parts[0]).\(parts[1])".utf8)
        if let issuer, let own = try? issuer.sign(message), Self.constantTimeEqual(own, Array(signature)) {
            // The issuer's own (deterministic) signature over these bytes: valid.
        } else {
            do {
                try Ed25519.verify(signature: Array(signature), message: message, publicKey: hubPublicKey)
            } catch {
                throw HiveError(.unauthorized, "access token signature does not verify")
            }
        }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: claimsData), claims.iss == hubID,
            !claims.sub.isEmpty
        else { throw HiveError(.unauthorized, "access token claims are malformed") }
        guard nowMs / 1000 < claims.exp else { throw Expired(twinID: claims.sub) }
        return AccessToken(twinID: claims.sub, issuedAt: claims.iat, expiresAt: claims.exp)
    }

    /// Whether two signatures are equal, in time that depends only on their lengths: an early-exit
    /// comparison would let a client learn, byte by byte, the hub's signature over claims it chose.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// A token whose signature verified but whose `exp` has passed.
    public struct Expired: Error, Sendable {
        public let twinID: String
    }

    private static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Unpadded base64url (RFC 4648 §5), byte by byte: tokens are made and read on every request,
    /// and going through `base64EncodedString` plus three string replacements cost more than the rest.
    static func base64URL(_ data: Data) -> String {
        let bytes = [UInt8](data)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { out.append(base64URLAlphabet[Int((value >> UInt32(shift)) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            var value = UInt32(bytes[index]) << 16
            if rest == 2 { value |= UInt32(bytes[index + 1]) << 8 }
            out.append(base64URLAlphabet[Int((value >> 18) & 63)])
            out.append(base64URLAlphabet[Int((value >> 12) & 63)])
            if rest == 2 { out.append(base64URLAlphabet[Int((value >> 6) & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes unpadded base64url; nil for any other character, a 1-character tail or non-zero
    /// padding bits (so each byte string has exactly one accepted encoding).
    static func decodeBase64URL(_ text: Substring) -> Data? {
        func value(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "-"): return 62
            case UInt8(ascii: "_"): return 63
            default: return nil
            }
        }
        let input = Array(text.utf8)
        guard input.count % 4 != 1 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in input {
            guard let sextet = value(byte) else { return nil }
            accumulator = (accumulator << 6) | sextet
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return Data(out)
    }
}
