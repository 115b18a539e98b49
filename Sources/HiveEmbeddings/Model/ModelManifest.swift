import Crypto
import Foundation
import HiveCore

/// What `hive model install` wrote: the model's name and each file's size and SHA-256.
/// Stored as `hive-model.json` beside the files.
public struct ModelManifest: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public var sha256: String
        public var size: Int
    }

    public static let fileName = "hive-model.json"

    public var name: String
    public var files: [String: File]
    /// `model.safetensors`'s modification time when hashed; a changed file is re-hashed at load.
    public var weightsModified: Double?

    public init(name: String, files: [String: File], weightsModified: Double?) {
        self.name = name
        self.files = files
        self.weightsModified = weightsModified
    }

    /// Reads the manifest in `directory`, or nil when absent or unreadable.
    public static func read(in directory: URL) -> ModelManifest? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(fileName)) else { return nil }
        return try? JSONDecoder().decode(ModelManifest.self, from: data)
    }

    func write(in directory: URL) throws(HiveError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
        } catch {
            throw HiveError(.io, "cannot write \(Self.fileName) in \(directory.path): \(error.localizedDescription)")
        }
    }

    /// Lower-case hex SHA-256 of a file's contents (memory-mapped, not read into the heap).
    public static func sha256(of url: URL) throws(HiveError) -> String {
        let file = try MappedFile(path: url.path)
        return SHA256.hash(data: file.bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// A file's modification time in seconds since 1970, if it can be read.
    static func modificationTime(of url: URL) -> Double? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
    }
}
