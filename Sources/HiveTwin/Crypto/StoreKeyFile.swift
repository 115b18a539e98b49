import Foundation
import HiveCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The per-device AES-256 key that encrypts a twin store's private fields, kept in a file
/// readable by its owner only (mode 0600), next to the database by default.
///
/// Layout: one-line JSON `{"format":"hive.twin-store-key.v1","aes256_gcm_key":"<base64 of 32 bytes>"}`.
/// A key file that group or others can read is refused, as is a missing key for a store that
/// already holds encrypted rows (they could never be read again).
public struct StoreKeyFile: Sendable {
    /// The key file's path.
    public let path: String

    public init(path: String) {
        self.path = path
    }

    private struct Contents: Codable {
        var format: String
        var key: String
        enum CodingKeys: String, CodingKey {
            case format
            case key = "aes256_gcm_key"
        }
    }

    static let format = "hive.twin-store-key.v1"

    /// Whether the key file exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Loads the key; throws ``HiveError/Code/keyFile`` if missing, malformed or readable by others.
    public func load() throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw HiveError(.keyFile, "no store key file at \(path)")
        }
        if info.st_mode & 0o077 != 0 {
            throw HiveError(
                .keyFile,
                "store key file \(path) has mode \(String(info.st_mode & 0o777, radix: 8)) (readable by others); fix with `chmod 600 \(path)`"
            )
        }
        guard let data = FileManager.default.contents(atPath: path),
            let contents = try? JSONDecoder().decode(Contents.self, from: data)
        else {
            throw HiveError(.keyFile, "store key file \(path) is not a Hive store key file")
        }
        guard contents.format == Self.format else {
            throw HiveError(.keyFile, "store key file \(path) has unknown format \(contents.format)")
        }
        guard let raw = Data(base64Encoded: contents.key), raw.count == 32 else {
            throw HiveError(.keyFile, "store key file \(path) holds no 32-byte key")
        }
        return Array(raw)
    }

    /// Creates a fresh key and writes it with mode 0600; refuses to overwrite an existing file.
    public func create() throws -> [UInt8] {
        guard !exists else {
            throw HiveError(.duplicate, "store key file \(path) already exists; refusing to overwrite it")
        }
        let key = FieldCipher.generateKey()
        var bytes = Array(try JSONEncoder().encode(Contents(format: Self.format, key: Data(key).base64EncodedString())))
        bytes.append(UInt8(ascii: "\n"))
        try KeyFile.writeSecretFile(bytes, to: path)
        return key
    }
}
