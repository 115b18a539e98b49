import ArgumentParser
import Foundation
import HiveCore
import HiveEmbeddings

/// `hive model info`: what is installed, its hash, and whether the files still match.
struct ModelInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the installed model, its hash and whether its files verify.")

    @Option(name: .long, help: "Model directory (default: $HIVE_MODEL_DIR or ~/.cache/hive/models/all-MiniLM-L6-v2).")
    var modelDir: String?

    func run() throws {
        let directory = modelDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? ModelStore.defaultDirectory()
        do {
            let embedder = try MiniLMEmbedder(directory: directory)
            let config = embedder.config
            print("model      \(embedder.modelID)")
            print("directory  \(directory.path)")
            print(
                "shape      \(config.layerCount) layers, hidden \(config.hiddenSize), \(config.headCount) heads, "
                    + "FFN \(config.intermediateSize), vocabulary \(embedder.tokenizer.vocabulary.count), "
                    + "max \(embedder.tokenizer.maxLength) tokens")
            print("backend    \(embedder.backend)")
            if let manifest = ModelManifest.read(in: directory) {
                for (name, file) in manifest.files.sorted(by: { $0.key < $1.key }) {
                    print("  \(name)  \(file.size) bytes  sha256 \(file.sha256)")
                }
                let bad = try ModelStore.verify(directory)
                print(
                    bad.isEmpty
                        ? "verified   all files match their recorded SHA-256"
                        : "CHANGED    \(bad.joined(separator: ", "))")
                if !bad.isEmpty { throw ExitCode(2) }
            } else {
                print("unverified no \(ModelManifest.fileName) (not installed by `hive model install`)")
            }
        } catch let error as HiveError {
            throw error
        }
    }
}
