import Crypto
import Foundation
import HiveCore
import Synchronization

/// The load generator's twin identities, cached on disk so a 100K-twin run does not regenerate
/// keys every time.
///
/// File format (binary, mode 0600 like every key file): the 8-byte magic `HIVELID1`, a
/// little-endian `UInt32` count, then `count` raw 32-byte Ed25519 seeds. A file holding fewer
/// identities than asked for is extended (the existing ones keep their index).
public struct LoadIdentityCache: Sendable {
    public static let magic: [UInt8] = Array("HIVELID1".utf8)
    static let headerLength = 12
    /// Largest count a cache may hold (≈ 32 MB of seeds).
    public static let maxCount = 1_000_000

    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Loads `count` identities, generating (and persisting) any the file lacks.
    /// Returns the identities and how many were generated in this call.
    public func load(count: Int) throws -> (identities: [NodeIdentity], generated: Int) {
        guard count > 0, count <= Self.maxCount else {
            throw HiveError(.invalidInput, "twin count must be in 1…\(Self.maxCount), got \(count)")
        }
        var seeds = FileManager.default.fileExists(atPath: path) ? try readSeeds() : []
        let generated = max(0, count - seeds.count)
        if generated > 0 {
            seeds.reserveCapacity(count)
            for _ in 0..<generated {
                seeds.append(Array(Curve25519.Signing.PrivateKey().rawRepresentation))
            }
            try write(seeds)
        }
        let identities = try Self.identities(from: seeds.prefix(count))
        return (identities, generated)
    }

    /// The raw seeds in the file; throws naming the problem when it is malformed or readable by others.
    func readSeeds() throws -> [[UInt8]] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw HiveError(.keyFile, "no identity cache at \(path)") }
        if info.st_mode & 0o077 != 0 {
            throw HiveError(
                .keyFile,
                "identity cache \(path) has mode \(String(info.st_mode & 0o777, radix: 8)) (readable by others); fix with `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HiveError(.keyFile, "cannot read identity cache \(path)")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= Self.headerLength, Array(bytes[0..<8]) == Self.magic else {
            throw HiveError(.keyFile, "\(path) is not a Hive load-test identity cache (bad magic)")
        }
        let count = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard count <= Self.maxCount, bytes.count == Self.headerLength + count * 32 else {
            throw HiveError(
                .keyFile, "identity cache \(path) is truncated or corrupt: header says \(count) seeds, file has \(bytes.count) bytes")
        }
        return (0..<count).map { index in
            let start = Self.headerLength + index * 32
            return Array(bytes[start..<start + 32])
        }
    }

    func write(_ seeds: [[UInt8]]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerLength + seeds.count * 32)
        let count = UInt32(seeds.count)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
        for seed in seeds { bytes += seed }
        try KeyFile.writeSecretFile(bytes, to: path)
    }

    /// Rebuilds identities from seeds, on every core (public-key derivation dominates a 100K load).
    static func identities(from seeds: ArraySlice<[UInt8]>) throws -> [NodeIdentity] {
        let seeds = Array(seeds)
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount * 4, seeds.count / 1024))
        let results = ChunkResults(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lower = seeds.count * chunk / chunks
            let upper = seeds.count * (chunk + 1) / chunks
            var out: [NodeIdentity] = []
            out.reserveCapacity(upper - lower)
            for seed in seeds[lower..<upper] {
                guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
                    results.fail()
                    return
                }
                out.append(NodeIdentity(privateKey: key))
            }
            results.set(chunk, out)
        }
        return try results.joined(path: "identity cache")
    }
}
