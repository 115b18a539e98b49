import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads and stores a ``NodeIdentity`` in a key file readable by its owner only (mode 0600).
///
/// Layout: `<directory>/node.key`, a one-line JSON object
/// `{"format":"hive.node-key.v1","ed25519_private_key":"<base64 of 32 bytes>"}`.
/// The directory is created with mode 0700 when missing. A key file that group or others
/// can read is refused: a leaked device key lets anyone impersonate the device.
public struct KeyFile: Sendable {
    /// The directory that holds the key file.
    public let directory: String

    /// The key file's path.
    public var path: String { (directory as NSString).appendingPathComponent("node.key") }

    public init(directory: String) {
        self.directory = directory
    }

    private struct Contents: Codable {
        var format: String
        var ed25519PrivateKey: String
        enum CodingKeys: String, CodingKey {
            case format
            case ed25519PrivateKey = "ed25519_private_key"
        }
    }

    private static let format = "hive.node-key.v1"

    /// Whether a key file exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Loads the identity; throws if missing, malformed or readable by group/others.
    public func load() throws -> NodeIdentity {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw HiveError(.keyFile, "no key file at \(path); run `hive keys init --path \(directory)`")
        }
        if info.st_mode & 0o077 != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw HiveError(
                .keyFile,
                "key file \(path) has mode \(mode) (readable by others); fix with `chmod 600 \(path)`"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HiveError(.keyFile, "cannot read key file \(path)")
        }
        let contents: Contents
        do {
            contents = try JSONDecoder().decode(Contents.self, from: data)
        } catch {
            throw HiveError(.keyFile, "key file \(path) is not a Hive key file")
        }
        guard contents.format == Self.format else {
            throw HiveError(.keyFile, "key file \(path) has unknown format \(contents.format)")
        }
        guard let raw = Data(base64Encoded: contents.ed25519PrivateKey), raw.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw HiveError(.keyFile, "key file \(path) holds no valid Ed25519 private key")
        }
        return NodeIdentity(privateKey: key)
    }

    /// Creates a new identity and writes it; refuses to overwrite an existing key file.
    @discardableResult
    public func create() throws -> NodeIdentity {
        guard !exists else {
            throw HiveError(.duplicate, "key file \(path) already exists; refusing to overwrite it")
        }
        let identity = NodeIdentity.generate()
        try write(identity)
        return identity
    }

    /// Loads the identity, creating it first when there is none.
    public func loadOrCreate() throws -> NodeIdentity {
        exists ? try load() : try create()
    }

    /// Writes `identity` atomically: a 0600 temporary file, fsync, rename.
    public func write(_ identity: NodeIdentity) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let contents = Contents(
            format: Self.format,
            ed25519PrivateKey: identity.privateKey.rawRepresentation.base64EncodedString())
        var bytes = Array(try JSONEncoder().encode(contents))
        bytes.append(UInt8(ascii: "\n"))
        try Self.writeSecretFile(bytes, to: path)
    }

    /// Writes `bytes` to `path` with mode 0600, atomically (temporary file + rename).
    public static func writeSecretFile(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw HiveError(.io, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        var ok = true
        do {
            try handle.write(contentsOf: Data(bytes))
            ok = fsync(fd) == 0
        } catch {
            ok = false
        }
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw HiveError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
