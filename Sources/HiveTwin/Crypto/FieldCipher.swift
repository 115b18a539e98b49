import Crypto
import Foundation
import HiveCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// AES-256-GCM for the private fields of the twin store (episode input, output, critique).
///
/// Each sealed value is `nonce (12) ‖ ciphertext ‖ tag (16)` (AES-GCM's combined form) with a
/// fresh random nonce. The associated data names the table, column and row id, so a ciphertext
/// copied into another row or column fails to open instead of silently reading as that row.
///
/// The `SymmetricKey` is built once and reused: swift-crypto sets up its AEAD context from it on
/// every seal, and building the key object per call was a measurable share of batched writes.
public struct FieldCipher: Sendable {
    /// Holds the key object and a pool of random nonce bytes. `@unchecked Sendable`: the key is set
    /// once in `init` and only read afterwards (`SymmetricKey` is an immutable value; swift-crypto
    /// does not mark it Sendable); the pool is only touched under its `Mutex`.
    private final class KeyBox: @unchecked Sendable {
        let key: SymmetricKey
        /// Random bytes for nonces, refilled 256 nonces at a time: a fresh random nonce per seal,
        /// without one `getrandom` system call per nonce (that call was a quarter of each seal).
        let pool = Mutex<(bytes: [UInt8], next: Int)>(([], 0))
        static let poolNonces = 256

        init(_ bytes: [UInt8]) { key = SymmetricKey(data: bytes) }

        func nonce() throws -> AES.GCM.Nonce {
            let bytes = pool.withLock { pool -> [UInt8] in
                if pool.next + 12 > pool.bytes.count {
                    var fresh = [UInt8](repeating: 0, count: 12 * Self.poolNonces)
                    guard fresh.withUnsafeMutableBytes(Self.fillRandom) else { return [] }
                    pool = (fresh, 0)
                }
                defer { pool.next += 12 }
                return Array(pool.bytes[pool.next..<(pool.next + 12)])
            }
            guard bytes.count == 12 else { throw HiveError(.io, "the system random number generator failed") }
            return try AES.GCM.Nonce(data: bytes)
        }

        /// Fills `buffer` from the kernel CSPRNG (`/dev/urandom`) in one read where possible.
        static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
            #if canImport(Glibc)
            guard let base = buffer.baseAddress else { return buffer.isEmpty }
            let fd = Glibc.open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return false }
            defer { Glibc.close(fd) }
            var filled = 0
            while filled < buffer.count {
                let got = Glibc.read(fd, base + filled, buffer.count - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                if got == 0 { return false }
                filled += got
            }
            return true
            #else
            var generator = SystemRandomNumberGenerator()
            for offset in stride(from: 0, to: buffer.count, by: 8) {
                let value = generator.next()
                withUnsafeBytes(of: value) { bytes in
                    for i in 0..<min(8, buffer.count - offset) { buffer[offset + i] = bytes[i] }
                }
            }
            return true
            #endif
        }
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
        try seal(bytes: plaintext, context: context, header: nil)
    }

    /// `header ‖ nonce ‖ ciphertext ‖ tag` (the combined form after one header byte), built in one
    /// allocation: the hot episode path stored a format byte in front of the combined form, which
    /// cost two more buffers and copies per episode.
    func seal(bytes plaintext: [UInt8], context: String, header: UInt8?) throws -> Data {
        do {
            let nonce = try box.nonce()
            let sealed = try AES.GCM.seal(plaintext, using: box.key, nonce: nonce, authenticating: Array(context.utf8))
            var out = Data(capacity: (header == nil ? 0 : 1) + 12 + sealed.ciphertext.count + sealed.tag.count)
            if let header { out.append(header) }
            nonce.withUnsafeBytes { out.append(contentsOf: $0) }
            out.append(sealed.ciphertext)
            out.append(sealed.tag)
            return out
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
