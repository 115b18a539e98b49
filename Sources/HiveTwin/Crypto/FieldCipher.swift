import Crypto
import Foundation
import HiveCore

/// AES-256-GCM for the private fields of the twin store (episode input, output, critique).
///
/// Each sealed value is `nonce (12) ‖ ciphertext ‖ tag (16)` (AES-GCM's combined form) with a
/// fresh random nonce. The associated data names the table, column and row id, so a ciphertext
/// copied into another row or column fails to open instead of silently reading as that row.
///
/// The `SymmetricKey` is built once and reused: swift-crypto sets up its AEAD context from it on
/// every seal, and building the key object per call was a measurable share of batched writes.
public struct FieldCipher: Sendable {
    /// Holds the key object. `@unchecked Sendable`: the key is set once in `init` and only read
    /// afterwards (`SymmetricKey` is an immutable value; swift-crypto does not mark it Sendable).
    private final class KeyBox: @unchecked Sendable {
        let key: SymmetricKey
        init(_ bytes: [UInt8]) { key = SymmetricKey(data: bytes) }
    }

    private let box: KeyBox

    /// Bytes added to every sealed value (nonce + tag).
    public static let overhead = 28

    /// Wraps a 32-byte AES-256 key.
    public init(key: [UInt8]) throws {
        guard key.count == 32 else {
            throw HiveError(.keyFile, "store key must be 32 bytes, got \(key.count)")
        }
        self.box = KeyBox(key)
    }

    /// A fresh random key.
    public static func generateKey() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// Encrypts `plaintext`, binding it to `context` (e.g. "episodes.input.<id>").
    public func seal(_ plaintext: String, context: String) throws -> Data {
        try seal(bytes: Array(plaintext.utf8), context: context)
    }

    /// Encrypts raw bytes, binding them to `context`; returns the combined form.
    public func seal(bytes plaintext: [UInt8], context: String) throws -> Data {
        do {
            let sealed = try AES.GCM.seal(plaintext, using: box.key, authenticating: Array(context.utf8))
            guard let combined = sealed.combined else {
                throw HiveError(.io, "AES-GCM produced no combined form")
            }
            return combined
        } catch let error as HiveError {
            throw error
        } catch {
            throw HiveError(.io, "encryption failed for \(context): \(error)")
        }
    }

    /// Decrypts a value sealed with ``seal(_:context:)`` for the same `context`.
    /// Throws ``HiveError/Code/inconsistent`` when the key is wrong or the bytes were altered or moved.
    public func open(_ sealed: Data, context: String) throws -> String {
        let plain = try openBytes(sealed, context: context)
        guard let text = String(validating: plain, as: UTF8.self) else {
            throw HiveError(.malformed, "decrypted \(context) is not UTF-8")
        }
        return text
    }

    /// Decrypts a value sealed with ``seal(bytes:context:)`` for the same `context`.
    public func openBytes(_ sealed: Data, context: String) throws -> [UInt8] {
        guard sealed.count >= Self.overhead else {
            throw HiveError(.malformed, "sealed value for \(context) is \(sealed.count) bytes; too short")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return Array(try AES.GCM.open(box, using: self.box.key, authenticating: Array(context.utf8)))
        } catch {
            throw HiveError(
                .inconsistent, "cannot decrypt \(context): wrong store key, or the row was altered or moved")
        }
    }
}
