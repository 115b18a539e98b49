/// One transformer layer's four linear projections packed for `PackedGemm`.
///
/// Packing releases the mapped pages it copied from, so the weights are resident once, not twice
/// (peak memory while embedding must stay within 1.5× the weights' size).
struct PackedLayerWeights: Sendable {
    let qkv: PackedWeights
    let attentionOutput: PackedWeights
    let intermediate: PackedWeights
    let output: PackedWeights

    init(_ layer: BertLayerWeights, config: BertConfig) {
        let h = config.hiddenSize
        let inner = config.intermediateSize
        qkv = PackedWeights(
            stacking: [(layer.queryWeight.pointer, h), (layer.keyWeight.pointer, h), (layer.valueWeight.pointer, h)],
            inputs: h)
        attentionOutput = PackedWeights(layer.attentionOutputWeight.pointer, outputs: h, inputs: h)
        intermediate = PackedWeights(layer.intermediateWeight.pointer, outputs: inner, inputs: h)
        output = PackedWeights(layer.outputWeight.pointer, outputs: h, inputs: inner)
        for copied in [
            layer.queryWeight, layer.keyWeight, layer.valueWeight, layer.attentionOutputWeight,
            layer.intermediateWeight, layer.outputWeight,
        ] {
            copied.releaseMappedPages()
        }
    }
}
