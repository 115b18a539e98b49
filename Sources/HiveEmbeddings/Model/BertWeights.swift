import HiveCore

/// One transformer layer's parameters. For the BLAS and portable backends Q, K and V are also
/// concatenated into one `[3H × H]` projection so a single GEMM computes all three; the packed
/// backend packs them straight from the mapping instead (no second copy).
struct BertLayerWeights: Sendable {
    let queryWeight: FloatStorage
    let keyWeight: FloatStorage
    let valueWeight: FloatStorage
    /// Q, K and V stacked, or nil when not fused (`BertWeights(fuseQKV: false)`).
    let qkvWeight: FloatStorage?
    let qkvBias: FloatStorage
    let attentionOutputWeight: FloatStorage
    let attentionOutputBias: FloatStorage
    let attentionNormGamma: FloatStorage
    let attentionNormBeta: FloatStorage
    let intermediateWeight: FloatStorage
    let intermediateBias: FloatStorage
    let outputWeight: FloatStorage
    let outputBias: FloatStorage
    let outputNormGamma: FloatStorage
    let outputNormBeta: FloatStorage
}

/// A BERT encoder's parameters, read from safetensors and checked against the config.
struct BertWeights: Sendable {
    let config: BertConfig
    let wordEmbeddings: FloatStorage
    let positionEmbeddings: FloatStorage
    let tokenTypeEmbeddings: FloatStorage
    let embeddingNormGamma: FloatStorage
    let embeddingNormBeta: FloatStorage
    let layers: [BertLayerWeights]
    /// Keeps the mapping alive for the views above.
    let source: SafeTensors

    init(_ file: SafeTensors, config: BertConfig, fuseQKV: Bool = true) throws(HiveError) {
        let h = config.hiddenSize
        let i = config.intermediateSize
        // Exports of BertModel name tensors "embeddings…"; exports of task models prefix "bert.".
        let prefix =
            file.tensors["embeddings.word_embeddings.weight"] == nil
                && file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws(HiveError) -> FloatStorage {
            try file.floats(prefix + name, shape: shape)
        }
        self.config = config
        source = file
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [config.vocabularySize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [config.maxPositions, h])
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [config.typeVocabularySize, h])
        embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [h])
        var layers: [BertLayerWeights] = []
        for index in 0..<config.layerCount {
            let p = "encoder.layer.\(index)."
            let q = try tensor(p + "attention.self.query.weight", [h, h])
            let k = try tensor(p + "attention.self.key.weight", [h, h])
            let v = try tensor(p + "attention.self.value.weight", [h, h])
            let qb = try tensor(p + "attention.self.query.bias", [h])
            let kb = try tensor(p + "attention.self.key.bias", [h])
            let vb = try tensor(p + "attention.self.value.bias", [h])
            layers.append(
                BertLayerWeights(
                    queryWeight: q, keyWeight: k, valueWeight: v,
                    qkvWeight: fuseQKV ? FloatStorage(concatenating: [q, k, v]) : nil,
                    qkvBias: FloatStorage(concatenating: [qb, kb, vb]),
                    attentionOutputWeight: try tensor(p + "attention.output.dense.weight", [h, h]),
                    attentionOutputBias: try tensor(p + "attention.output.dense.bias", [h]),
                    attentionNormGamma: try tensor(p + "attention.output.LayerNorm.weight", [h]),
                    attentionNormBeta: try tensor(p + "attention.output.LayerNorm.bias", [h]),
                    intermediateWeight: try tensor(p + "intermediate.dense.weight", [i, h]),
                    intermediateBias: try tensor(p + "intermediate.dense.bias", [i]),
                    outputWeight: try tensor(p + "output.dense.weight", [h, i]),
                    outputBias: try tensor(p + "output.dense.bias", [h]),
                    outputNormGamma: try tensor(p + "output.LayerNorm.weight", [h]),
                    outputNormBeta: try tensor(p + "output.LayerNorm.bias", [h])))
        }
        self.layers = layers
    }
}
