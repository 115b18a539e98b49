import ArgumentParser
import Foundation
import HiveCore
import HiveEmbeddings

/// `hive embed [--json] TEXT…`: prints one vector per text.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed", abstract: "Embed texts with all-MiniLM-L6-v2 (or, explicitly, the hashing embedder).")

    @Flag(help: "Print {\"model\": …, \"embeddings\": [[…], …]}.")
    var json = false

    @Flag(help: "Use the model-free hashing embedder instead of MiniLM (explicit choice, never a fallback).")
    var hashing = false

    @Option(help: "Threads for inference.")
    var threads = 1

    @Option(name: .long, help: "Model directory (default: $HIVE_MODEL_DIR or ~/.cache/hive/models/all-MiniLM-L6-v2).")
    var modelDir: String?

    @Argument(help: "Texts to embed.")
    var texts: [String]

    func run() throws {
        let embedder: any Embedder
        do {
            if hashing {
                embedder = try HashingEmbedder()
            } else {
                embedder = try MiniLMEmbedder(
                    directory: modelDir.map { URL(fileURLWithPath: $0, isDirectory: true) }, threads: threads)
            }
        } catch {
            throw error
        }
        let vectors = embedder.embed(texts)
        if json {
            struct Output: Encodable {
                var model: String
                var embeddings: [[Float]]
            }
            let encoder = JSONEncoder()
            let data = try encoder.encode(Output(model: embedder.modelID, embeddings: vectors))
            print(String(decoding: data, as: UTF8.self))
        } else {
            for (text, vector) in zip(texts, vectors) {
                print("\(text)\t" + vector.map { String(format: "%.6f", $0) }.joined(separator: " "))
            }
        }
    }
}
