import Foundation
import HiveCore

@testable import HiveEmbeddings

/// Builds small model directories (config.json, vocab.txt, model.safetensors) in a temp folder.
enum TestModel {
    static let vocabulary: [String] = {
        var tokens = [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "?", "'", "-", "(", ")",
            "hello", "world", "the", "cat", "sat", "on", "mat", "un", "##aff", "##able", "##s", "cafe",
            "中", "国", "eat", "##ing", "run",
        ]
        for letter in "abcdefghijklmnopqrstuvwxyz" {
            tokens.append(String(letter))
            tokens.append("##\(letter)")
        }
        return tokens
    }()

    static func temporaryDirectory(_ label: String = "model") -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("hive-embeddings-tests-\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct Tensor {
        var name: String
        var shape: [Int]
        var values: [Float]
    }

    /// A tiny random BERT: hidden 16, 2 heads, 2 layers, FFN 32.
    static func tensors(config: BertConfig, seed: UInt64 = 7) -> [Tensor] {
        var state = seed
        func random() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 4000
        }
        func tensor(_ name: String, _ shape: [Int], constant: Float? = nil) -> Tensor {
            let count = shape.reduce(1, *)
            return Tensor(
                name: name, shape: shape,
                values: (0..<count).map { _ in constant.map { $0 + random() / 10 } ?? random() })
        }
        let h = config.hiddenSize
        let i = config.intermediateSize
        var result = [
            tensor("embeddings.word_embeddings.weight", [config.vocabularySize, h]),
            tensor("embeddings.position_embeddings.weight", [config.maxPositions, h]),
            tensor("embeddings.token_type_embeddings.weight", [config.typeVocabularySize, h]),
            tensor("embeddings.LayerNorm.weight", [h], constant: 1),
            tensor("embeddings.LayerNorm.bias", [h], constant: 0),
        ]
        for layer in 0..<config.layerCount {
            let p = "encoder.layer.\(layer)."
            for part in ["query", "key", "value"] {
                result.append(tensor(p + "attention.self.\(part).weight", [h, h]))
                result.append(tensor(p + "attention.self.\(part).bias", [h]))
            }
            result += [
                tensor(p + "attention.output.dense.weight", [h, h]),
                tensor(p + "attention.output.dense.bias", [h]),
                tensor(p + "attention.output.LayerNorm.weight", [h], constant: 1),
                tensor(p + "attention.output.LayerNorm.bias", [h], constant: 0),
                tensor(p + "intermediate.dense.weight", [i, h]),
                tensor(p + "intermediate.dense.bias", [i]),
                tensor(p + "output.dense.weight", [h, i]),
                tensor(p + "output.dense.bias", [h]),
                tensor(p + "output.LayerNorm.weight", [h], constant: 1),
                tensor(p + "output.LayerNorm.bias", [h], constant: 0),
            ]
        }
        return result
    }

    static let config = BertConfig(
        hiddenSize: 16, layerCount: 2, headCount: 2, intermediateSize: 32, maxPositions: 512,
        typeVocabularySize: 2, vocabularySize: vocabulary.count, layerNormEpsilon: 1e-12)

    static func configJSON(_ config: BertConfig) -> String {
        """
        {"model_type": "bert", "hidden_act": "gelu", "hidden_size": \(config.hiddenSize),
         "num_hidden_layers": \(config.layerCount), "num_attention_heads": \(config.headCount),
         "intermediate_size": \(config.intermediateSize), "max_position_embeddings": \(config.maxPositions),
         "type_vocab_size": \(config.typeVocabularySize), "vocab_size": \(config.vocabularySize),
         "layer_norm_eps": 1e-12, "position_embedding_type": "absolute"}
        """
    }

    /// safetensors bytes for `tensors` (F32, little-endian, contiguous).
    static func safetensors(_ tensors: [Tensor]) -> Data {
        var header: [String] = []
        var offset = 0
        for t in tensors {
            let bytes = t.values.count * 4
            header.append(
                "\"\(t.name)\":{\"dtype\":\"F32\",\"shape\":\(t.shape),\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var data = rawFile(header: "{\"__metadata__\":{\"format\":\"pt\"}," + header.joined(separator: ",") + "}")
        for t in tensors {
            t.values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }

    /// A file with `header` as its JSON (padded with spaces to 8 bytes) and `payload` after it.
    static func rawFile(header: String, payload: Data = Data()) -> Data {
        var json = Array(header.utf8)
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        var length = UInt64(json.count).littleEndian
        var data = Data(bytes: &length, count: 8)
        data.append(contentsOf: json)
        data.append(payload)
        return data
    }

    /// Writes a complete tiny model directory.
    @discardableResult
    static func write(
        to directory: URL, config: BertConfig = config, weightsConfig: BertConfig? = nil, seed: UInt64 = 7
    ) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try configJSON(config).write(
            to: directory.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try (vocabulary.joined(separator: "\n") + "\n")
            .write(to: directory.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        try safetensors(tensors(config: weightsConfig ?? config, seed: seed))
            .write(to: directory.appendingPathComponent("model.safetensors"))
        return directory
    }
}
