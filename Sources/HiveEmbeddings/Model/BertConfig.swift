import Foundation
import HiveCore

/// The parts of a Hugging Face BERT `config.json` the encoder needs, validated.
public struct BertConfig: Sendable, Equatable {
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var vocabularySize: Int
    public var layerNormEpsilon: Float

    /// The per-head width (`hiddenSize / headCount`).
    public var headSize: Int { hiddenSize / headCount }

    /// all-MiniLM-L6-v2's shape.
    public static let miniLML6 = BertConfig(
        hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536, maxPositions: 512,
        typeVocabularySize: 2, vocabularySize: 30522, layerNormEpsilon: 1e-12)

    public init(
        hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int, maxPositions: Int,
        typeVocabularySize: Int, vocabularySize: Int, layerNormEpsilon: Float
    ) {
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.vocabularySize = vocabularySize
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Parses and validates `config.json` content; errors name `fileName`.
    public init(data: Data, fileName: String = "config.json") throws(HiveError) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw HiveError(.malformed, "\(fileName) is not valid JSON")
        }
        guard let json = object as? [String: Any] else {
            throw HiveError(.malformed, "\(fileName) is not a JSON object")
        }
        func integer(_ key: String, default value: Int? = nil) throws(HiveError) -> Int {
            guard let raw = json[key] else {
                if let value { return value }
                throw HiveError(.malformed, "\(fileName) lacks \"\(key)\"")
            }
            guard let number = raw as? NSNumber, let exact = Int(exactly: number.doubleValue),
                exact > 0, exact <= 1 << 24
            else {
                throw HiveError(.malformed, "\(fileName): \"\(key)\" must be a positive integer")
            }
            return exact
        }
        if let type = json["model_type"] as? String, type != "bert" {
            throw HiveError(.malformed, "\(fileName): model_type \"\(type)\" is not supported (only \"bert\")")
        }
        if let activation = json["hidden_act"] {
            guard let name = activation as? String, name == "gelu" else {
                throw HiveError(.malformed, "\(fileName): hidden_act must be \"gelu\" (exact erf form)")
            }
        }
        if let kind = json["position_embedding_type"] {
            guard let name = kind as? String, name == "absolute" else {
                throw HiveError(.malformed, "\(fileName): only absolute position embeddings are supported")
            }
        }
        let epsilon: Double
        if let raw = json["layer_norm_eps"] {
            guard let number = raw as? NSNumber, number.doubleValue.isFinite, number.doubleValue > 0,
                number.doubleValue < 1
            else {
                throw HiveError(.malformed, "\(fileName): \"layer_norm_eps\" must be a small positive number")
            }
            epsilon = number.doubleValue
        } else {
            epsilon = 1e-12
        }
        self.init(
            hiddenSize: try integer("hidden_size"),
            layerCount: try integer("num_hidden_layers"),
            headCount: try integer("num_attention_heads"),
            intermediateSize: try integer("intermediate_size"),
            maxPositions: try integer("max_position_embeddings"),
            typeVocabularySize: try integer("type_vocab_size", default: 2),
            vocabularySize: try integer("vocab_size"),
            layerNormEpsilon: Float(epsilon))
        guard hiddenSize % headCount == 0 else {
            throw HiveError(
                .malformed,
                "\(fileName): hidden_size \(hiddenSize) is not divisible by num_attention_heads \(headCount)")
        }
        guard layerCount <= 256 else {
            throw HiveError(.malformed, "\(fileName): num_hidden_layers \(layerCount) is implausible")
        }
    }

    /// Loads and parses `url`; errors name the file.
    public init(contentsOf url: URL) throws(HiveError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw HiveError(.unavailable, "cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(data: data, fileName: url.lastPathComponent)
    }
}
