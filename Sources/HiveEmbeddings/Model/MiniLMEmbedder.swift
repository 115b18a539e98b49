import Foundation
import HiveCore
import Synchronization

/// all-MiniLM-L6-v2 (or any BERT in Hugging Face layout) run in Swift: WordPiece, the encoder,
/// mean pooling and L2 normalisation — the sentence-transformers pipeline, with no Python.
///
/// Loading maps `model.safetensors` (no copy), so start-up is fast and memory stays close to the
/// weights' size. `embed` is thread-safe; calls on one instance are serialised because they
/// share scratch buffers.
public final class MiniLMEmbedder: Embedder {
    public let dimensions: Int
    public let modelID: String
    /// The directory the model was loaded from.
    public let directory: URL
    public let config: BertConfig
    public let tokenizer: WordPieceTokenizer
    /// Threads for the matrix multiplies and attention (OpenBLAS's setting is process-wide).
    public let threads: Int
    /// Texts run through the encoder together; longer inputs are split into batches of this size.
    public let batchSize: Int
    public var backend: MatrixBackend { encoder.backend }

    let encoder: BertEncoder
    private let workspace = Mutex(EncoderWorkspace())

    /// Loads the model from `directory` (default: ``ModelStore/defaultDirectory(environment:)``).
    ///
    /// - Throws: `HiveError(.unavailable)` naming the missing file and saying how to install the
    ///   model; `HiveError(.malformed)` / `.dimensionMismatch` naming the file that is corrupt or
    ///   disagrees with `config.json`; `HiveError(.invalidInput)` for bad settings.
    public init(
        directory: URL? = nil, threads: Int = 1, backend: MatrixBackend = .platformDefault, batchSize: Int = 32
    ) throws(HiveError) {
        let directory = directory ?? ModelStore.defaultDirectory()
        guard (1...256).contains(threads) else {
            throw HiveError(.invalidInput, "threads must be in 1...256, got \(threads)")
        }
        guard (1...4096).contains(batchSize) else {
            throw HiveError(.invalidInput, "batchSize must be in 1...4096, got \(batchSize)")
        }
        let fileManager = FileManager.default
        for name in ModelStore.requiredFiles
        where !fileManager.fileExists(atPath: directory.appendingPathComponent(name).path) {
            throw HiveError(
                .unavailable,
                "the \(ModelStore.modelName) model is not installed: \(name) is missing from \(directory.path); "
                    + ModelStore.installHint(directory))
        }
        let config = try BertConfig(contentsOf: directory.appendingPathComponent("config.json"))
        let vocabulary = try Vocabulary(contentsOf: directory.appendingPathComponent("vocab.txt"))
        guard vocabulary.count <= config.vocabularySize else {
            throw HiveError(
                .dimensionMismatch,
                "vocab.txt has \(vocabulary.count) tokens but config.json's vocab_size is \(config.vocabularySize)")
        }
        var maxLength = 256
        if let data = try? Data(contentsOf: directory.appendingPathComponent("sentence_bert_config.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let value = object["max_seq_length"] as? Int, value >= 2
        {
            maxLength = value
        }
        maxLength = min(maxLength, config.maxPositions)
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        let tensors = try SafeTensors(contentsOf: weightsURL)
        let weights = try BertWeights(tensors, config: config, fuseQKV: backend != .packed)

        self.directory = directory
        self.config = config
        self.tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, maxLength: maxLength)
        self.threads = threads
        self.batchSize = batchSize
        self.dimensions = config.hiddenSize
        self.encoder = BertEncoder(weights: weights, backend: backend)
        let manifest = ModelManifest.read(in: directory)
        let name = manifest?.name ?? ModelStore.modelName
        self.modelID =
            "\(name)@\(String(try Self.weightsHash(tensors, url: weightsURL, manifest: manifest).prefix(16)))"
    }

    /// The manifest's hash when it still describes the file (same size and mtime), else a fresh SHA-256.
    private static func weightsHash(_ tensors: SafeTensors, url: URL, manifest: ModelManifest?) throws(HiveError)
        -> String
    {
        if let manifest, let entry = manifest.files["model.safetensors"], entry.size == tensors.file.count,
            let recorded = manifest.weightsModified, let actual = ModelManifest.modificationTime(of: url),
            recorded == actual, entry.sha256.count == 64
        {
            return entry.sha256
        }
        return try ModelManifest.sha256(of: url)
    }

    /// Token ids as the encoder sees them (`[CLS]` … `[SEP]`, truncated).
    public func tokenize(_ text: String) -> [Int32] {
        tokenizer.encode(text)
    }

    public func embed(_ texts: [String]) -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        var result: [[Float]] = []
        result.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let end = min(start + batchSize, texts.count)
            let sequences = texts[start..<end].map(tokenizer.encode)
            let vectors = workspace.withLock { workspace in
                encoder.embed(sequences, threads: threads, workspace: workspace)
            }
            result.append(contentsOf: vectors)
            start = end
        }
        return result
    }

    /// Embeds pre-tokenised sequences (for benchmarks and tests that time the encoder alone).
    func embed(tokenized sequences: [[Int32]]) -> [[Float]] {
        workspace.withLock { encoder.embed(sequences, threads: threads, workspace: $0) }
    }
}
