import Crypto
import Foundation
import HiveCore

/// The bearer token that opens operations routes. Compared in constant time; its description
/// never shows the value, so it cannot leak through string interpolation into a log line.
public struct AdminToken: Sendable, CustomStringConvertible {
    /// The secret itself (print only at first start).
    public let value: String
    private let digest: [UInt8]

    public init(_ value: String) {
        self.value = value
        self.digest = Array(SHA256.hash(data: Array(value.utf8)))
    }

    /// 32 random bytes as hex.
    public static func generate() -> AdminToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return AdminToken("hive_admin_" + Hex.encode(bytes))
    }

    /// Whether `candidate` is this token. Compares SHA-256 digests with a constant-time loop so
    /// timing reveals nothing about the secret.
    public func matches(_ candidate: String) -> Bool {
        let other = Array(SHA256.hash(data: Array(candidate.utf8)))
        var difference: UInt8 = 0
        for index in 0..<digest.count { difference |= digest[index] ^ other[index] }
        return difference == 0
    }

    public var description: String { "AdminToken(redacted)" }
}
