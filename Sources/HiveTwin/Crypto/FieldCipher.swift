import Crypto
import Foundation
import HiveCore

/// AES-256-GCM for the private fields of the twin store (episode input, output, critique).
///
/// Each sealed value is `nonce (12) ‖ ciphertext ‖ tag (16)` (AES-GCM's combined form) with a
/// fresh random nonce. The associated data names the table, column and row id, so a ciphertext
/// copied into another row or column fails to open instead of silently reading as that row.
public struct FieldCipher: Sendable {
    // Raw key bytes: swift-crypto's SymmetricKey is not Sendable on every platform; the bytes are.
    private let keyBytes: [UInt8]

    /// Bytes added to every sealed value (nonce + tag).
    public static let overhead = 28

    /// Wraps a 32-byte AES-256 key.
    public init(key: [UInt8]) throws {
        guard key.count == 32 else {
            throw HiveError(.keyFile, "store key must be 32 bytes, got \(key.count)")
        }
        self.keyBytes = key
    }

    /// A fresh random key.
    public static func generateKey() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// Encrypts `plaintext`, binding it to `context` (e.g. "episodes.input.<id>").
    public func seal(_ plaintext: String, context: String) throws -> Data {
        do {
            let box = try AES.GCM.seal(
                Data(plaintext.utf8), using: SymmetricKey(data: keyBytes), authenticating: Data(context.utf8))
            guard let combined = box.combined else {
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
        guard sealed.count >= Self.overhead else {
            throw HiveError(.malformed, "sealed value for \(context) is \(sealed.count) bytes; too short")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plain = try AES.GCM.open(box, using: SymmetricKey(data: keyBytes), authenticating: Data(context.utf8))
            guard let text = String(data: plain, encoding: .utf8) else {
                throw HiveError(.malformed, "decrypted \(context) is not UTF-8")
            }
            return text
        } catch let error as HiveError {
            throw error
        } catch {
            throw HiveError(
                .inconsistent, "cannot decrypt \(context): wrong store key, or the row was altered or moved")
        }
    }
}
