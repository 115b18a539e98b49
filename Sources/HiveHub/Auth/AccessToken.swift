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
        guard token.utf8.count <= 2048 else { throw HiveError(.unauthorized, "access token is too long") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = decodeBase64URL(parts[0]), let claimsData = decodeBase64URL(parts[1]),
            let signature = decodeBase64URL(parts[2])
        else { throw HiveError(.unauthorized, "access token is not a compact JWS") }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData), header.alg == "EdDSA" else {
            throw HiveError(.unauthorized, "access token must use alg EdDSA")
        }
        let hubID = NodeIdentity.nodeID(forPublicKey: hubPublicKey)
        guard header.kid == hubID else { throw HiveError(.unauthorized, "access token was not issued by this hub") }
        do {
            try Ed25519.verify(
                signature: Array(signature), message: Array("\(parts[0]).\(parts[1])".utf8), publicKey: hubPublicKey)
        } catch {
            throw HiveError(.unauthorized, "access token signature does not verify")
        }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: claimsData), claims.iss == hubID,
            !claims.sub.isEmpty
        else { throw HiveError(.unauthorized, "access token claims are malformed") }
        guard nowMs / 1000 < claims.exp else { throw Expired(twinID: claims.sub) }
        return AccessToken(twinID: claims.sub, issuedAt: claims.iat, expiresAt: claims.exp)
    }

    /// A token whose signature verified but whose `exp` has passed.
    public struct Expired: Error, Sendable {
        public let twinID: String
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64)
    }
}
