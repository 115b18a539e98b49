/// One transformer layer's four linear projections packed for `PackedGemm`.
struct PackedLayerWeights: Sendable {
    let qkv: PackedWeights
    let attentionOutput: PackedWeights
    let intermediate: PackedWeights
    let output: PackedWeights

    init(_ layer: BertLayerWeights, config: BertConfig) {
        let h = config.hiddenSize
        let inner = config.intermediateSize
        qkv = PackedWeights(layer.qkvWeight.pointer, outputs: 3 * h, inputs: h)
        attentionOutput = PackedWeights(layer.attentionOutputWeight.pointer, outputs: h, inputs: h)
        intermediate = PackedWeights(layer.intermediateWeight.pointer, outputs: inner, inputs: h)
        output = PackedWeights(layer.outputWeight.pointer, outputs: h, inputs: inner)
    }
}
