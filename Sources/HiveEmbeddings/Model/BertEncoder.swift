import Dispatch
import Foundation

/// BERT encoder inference plus sentence-transformers pooling: mean over the tokens, L2-normalised.
///
/// A batch is packed without padding: the sequences' tokens are stacked into one `T × H` matrix
/// (T = total tokens), so every projection is one GEMM over all rows and no work is spent on pad
/// positions; attention runs per sequence on its own rows, which is exactly what an attention
/// mask over padding computes.
final class BertEncoder: Sendable {
    let weights: BertWeights
    let backend: MatrixBackend
    /// The linear layers' weights packed for `PackedGemm`, one entry per layer; empty unless the
    /// backend is `.packed`.
    let packedLayers: [PackedLayerWeights]

    init(weights: BertWeights, backend: MatrixBackend) {
        self.weights = weights
        self.backend = backend
        packedLayers = backend == .packed ? weights.layers.map { PackedLayerWeights($0, config: weights.config) } : []
    }

    var config: BertConfig { weights.config }

    /// Sequences short enough for the fused attention kernel; longer ones use two GEMMs per head.
    static let fusedAttentionLimit = 64

    /// Sentence embeddings for already tokenised sequences (ids must be < vocabularySize, lengths
    /// ≤ maxPositions: the embedder guarantees both).
    func embed(_ sequences: [[Int32]], threads: Int, workspace: EncoderWorkspace) -> [[Float]] {
        let h = config.hiddenSize
        let total = sequences.reduce(0) { $0 + $1.count }
        guard total > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }
        let longest = sequences.reduce(0) { max($0, $1.count) }
        let workers = max(1, threads)
        workspace.reserve(
            tokens: total, config: config,
            scoreFloats: longest * longest + workers * longest)
        backend.setThreads(workers)

        var starts: [Int] = []
        starts.reserveCapacity(sequences.count)
        var row = 0
        for sequence in sequences {
            starts.append(row)
            row += sequence.count
        }

        embedTokens(sequences, starts: starts, into: workspace.hidden)
        for (index, layer) in weights.layers.enumerated() {
            runLayer(
                layer, packed: packedLayers.isEmpty ? nil : packedLayers[index], rows: total, sequences: sequences,
                starts: starts, threads: workers, workspace: workspace)
        }
        return pool(sequences, starts: starts, hidden: workspace.hidden)
    }

    /// word + position + token-type(0) embeddings, then LayerNorm.
    private func embedTokens(_ sequences: [[Int32]], starts: [Int], into hidden: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize
        let words = weights.wordEmbeddings.pointer
        let positions = weights.positionEmbeddings.pointer
        let tokenType = weights.tokenTypeEmbeddings.pointer
        let n8 = h & ~7
        for (index, sequence) in sequences.enumerated() {
            for (position, id) in sequence.enumerated() {
                let out = hidden + (starts[index] + position) * h
                let w = words + Int(id) * h
                let p = positions + position * h
                var j = 0
                while j < n8 {
                    Kernels.store8(Kernels.load8(w + j) + Kernels.load8(p + j) + Kernels.load8(tokenType + j), out + j)
                    j += 8
                }
                while j < h {
                    out[j] = w[j] + p[j] + tokenType[j]
                    j += 1
                }
            }
        }
        let rows = starts.last.map { $0 + sequences[sequences.count - 1].count } ?? 0
        Kernels.layerNorm(
            hidden, into: hidden, rows: rows, cols: h, gamma: weights.embeddingNormGamma.pointer,
            beta: weights.embeddingNormBeta.pointer, epsilon: config.layerNormEpsilon)
    }

    private func runLayer(
        _ layer: BertLayerWeights, packed: PackedLayerWeights?, rows: Int, sequences: [[Int32]], starts: [Int],
        threads: Int, workspace: EncoderWorkspace
    ) {
        /// `c[rows×n] += a[rows×k] · Wᵀ` through the packed kernel or the backend's GEMM.
        func linear(
            _ a: UnsafePointer<Float>, k: Int, _ flat: FloatStorage?, _ packedWeights: PackedWeights?, n: Int,
            into c: UnsafeMutablePointer<Float>
        ) {
            if let packedWeights {
                PackedGemm.multiply(m: rows, a: a, lda: k, weights: packedWeights, c: c, ldc: n, threads: threads)
            } else if let flat {
                backend.gemm(
                    transposeB: true, m: rows, n: n, k: k, alpha: 1, a: a, lda: k, b: flat.pointer, ldb: k, beta: 1,
                    c: c, ldc: n)
            } else {
                preconditionFailure("BertWeights were loaded with fuseQKV: false for a backend that needs them fused")
            }
        }
        let h = config.hiddenSize
        let inner = config.intermediateSize
        let hidden = workspace.hidden
        let qkv = workspace.qkv
        let context = workspace.context
        let projection = workspace.projection
        let intermediate = workspace.intermediate

        // Q, K, V for every token at once: qkv = hidden · Wqkvᵀ + b.
        Kernels.broadcastRows(layer.qkvBias.pointer, into: qkv, rows: rows, cols: 3 * h)
        linear(hidden, k: h, layer.qkvWeight, packed?.qkv, n: 3 * h, into: qkv)

        attention(sequences: sequences, starts: starts, threads: threads, workspace: workspace)

        // Output projection with bias and residual pre-filled, then LayerNorm back into hidden.
        Kernels.residualPlusBias(hidden, layer.attentionOutputBias.pointer, into: projection, rows: rows, cols: h)
        linear(context, k: h, layer.attentionOutputWeight, packed?.attentionOutput, n: h, into: projection)
        Kernels.layerNorm(
            projection, into: hidden, rows: rows, cols: h, gamma: layer.attentionNormGamma.pointer,
            beta: layer.attentionNormBeta.pointer, epsilon: config.layerNormEpsilon)

        // Feed-forward: GELU(hidden · W1ᵀ + b1) · W2ᵀ + b2 + residual, then LayerNorm.
        Kernels.broadcastRows(layer.intermediateBias.pointer, into: intermediate, rows: rows, cols: inner)
        linear(hidden, k: h, layer.intermediateWeight, packed?.intermediate, n: inner, into: intermediate)
        Kernels.gelu(intermediate, count: rows * inner)
        Kernels.residualPlusBias(hidden, layer.outputBias.pointer, into: projection, rows: rows, cols: h)
        linear(intermediate, k: inner, layer.outputWeight, packed?.output, n: h, into: projection)
        Kernels.layerNorm(
            projection, into: hidden, rows: rows, cols: h, gamma: layer.outputNormGamma.pointer,
            beta: layer.outputNormBeta.pointer, epsilon: config.layerNormEpsilon)
    }

    /// Scaled dot-product attention per sequence and head, writing each head's output into its
    /// column block of `context`.
    private func attention(sequences: [[Int32]], starts: [Int], threads: Int, workspace: EncoderWorkspace) {
        let heads = config.headCount
        // Long sequences: two GEMMs per head on the calling thread (the BLAS may thread inside).
        var short: [Int] = []
        for (index, sequence) in sequences.enumerated() {
            if sequence.count > Self.fusedAttentionLimit {
                for head in 0..<heads {
                    attentionGemm(start: starts[index], length: sequence.count, head: head, workspace: workspace)
                }
            } else {
                short.append(index)
            }
        }
        guard !short.isEmpty else { return }
        let tasks = short.count * heads
        let longest = sequences.reduce(0) { max($0, $1.count) }
        let scoreBase = longest * longest
        let workers = min(threads, tasks)
        if workers <= 1 {
            for task in 0..<tasks {
                let index = short[task / heads]
                attentionFused(
                    start: starts[index], length: sequences[index].count, head: task % heads,
                    scores: workspace.scores + scoreBase, workspace: workspace)
            }
            return
        }
        // Each worker owns a strided share of (sequence, head) tasks and its own score row;
        // tasks write disjoint column blocks of `context`, so no two workers touch the same floats.
        let shortIndices = short
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var task = worker
            while task < tasks {
                let index = shortIndices[task / heads]
                attentionFused(
                    start: starts[index], length: sequences[index].count, head: task % heads,
                    scores: workspace.scores + scoreBase + worker * longest, workspace: workspace)
                task += workers
            }
        }
    }

    /// Attention for one (sequence, head) with SIMD dot products and AXPYs: no BLAS call overhead,
    /// which dominates for the short sequences typical of sentences.
    private func attentionFused(
        start: Int, length: Int, head: Int, scores: UnsafeMutablePointer<Float>, workspace: EncoderWorkspace
    ) {
        let h = config.hiddenSize
        let d = config.headSize
        let stride3 = 3 * h
        let scale = 1 / Float(d).squareRoot()
        let base = UnsafePointer(workspace.qkv) + start * stride3 + head * d
        let d8 = d & ~7
        for i in 0..<length {
            let q = base + i * stride3
            var maximum = -Float.infinity
            for j in 0..<length {
                let k = base + j * stride3 + h
                var acc = SIMD8<Float>()
                var p = 0
                while p < d8 {
                    acc = (acc + Kernels.load8(q + p) * Kernels.load8(k + p))
                    p += 8
                }
                var dot = acc.sum()
                while p < d {
                    dot += q[p] * k[p]
                    p += 1
                }
                let s = dot * scale
                scores[j] = s
                if s > maximum { maximum = s }
            }
            var sum: Float = 0
            for j in 0..<length {
                let e = exp(scores[j] - maximum)
                scores[j] = e
                sum += e
            }
            let inverse = 1 / sum
            let out = workspace.context + (start + i) * h + head * d
            out.update(repeating: 0, count: d)
            for j in 0..<length {
                let weight = SIMD8<Float>(repeating: scores[j] * inverse)
                let v = base + j * stride3 + 2 * h
                var p = 0
                while p < d8 {
                    Kernels.store8(Kernels.load8(UnsafePointer(out + p)) + weight * Kernels.load8(v + p), out + p)
                    p += 8
                }
                while p < d {
                    out[p] += scores[j] * inverse * v[p]
                    p += 1
                }
            }
        }
    }

    /// Attention for one (sequence, head) through the BLAS: S = QKᵀ/√d, softmax, C = S·V.
    private func attentionGemm(start: Int, length: Int, head: Int, workspace: EncoderWorkspace) {
        let h = config.hiddenSize
        let d = config.headSize
        let stride3 = 3 * h
        let base = UnsafePointer(workspace.qkv) + start * stride3 + head * d
        let scores = workspace.scores
        backend.gemm(
            transposeB: true, m: length, n: length, k: d, alpha: 1 / Float(d).squareRoot(), a: base, lda: stride3,
            b: base + h, ldb: stride3, beta: 0, c: scores, ldc: length)
        Kernels.softmaxRows(scores, rows: length, cols: length, stride: length)
        backend.gemm(
            transposeB: false, m: length, n: d, k: length, alpha: 1, a: scores, lda: length,
            b: base + 2 * h, ldb: stride3, beta: 0, c: workspace.context + start * h + head * d, ldc: h)
    }

    /// Mean over each sequence's token rows, then L2 normalisation (norm floored at 1e-12).
    private func pool(_ sequences: [[Int32]], starts: [Int], hidden: UnsafeMutablePointer<Float>) -> [[Float]] {
        let h = config.hiddenSize
        return sequences.indices.map { index in
            let length = sequences[index].count
            var vector = [Float](repeating: 0, count: h)
            guard length > 0 else { return vector }
            vector.withUnsafeMutableBufferPointer { out in
                for r in 0..<length {
                    let row = hidden + (starts[index] + r) * h
                    for j in 0..<h { out[j] += row[j] }
                }
                var norm: Float = 0
                let inverseLength = 1 / Float(length)
                for j in 0..<h {
                    out[j] *= inverseLength
                    norm += out[j] * out[j]
                }
                let scale = 1 / max(norm.squareRoot(), 1e-12)
                for j in 0..<h { out[j] *= scale }
            }
            return vector
        }
    }
}
