/// Scratch buffers for one forward pass, grown on demand and reused across calls so steady-state
/// embedding allocates nothing per token.
///
/// `@unchecked Sendable`: only ever touched while its owner's `Mutex` is held.
final class EncoderWorkspace: @unchecked Sendable {
    private(set) var tokenCapacity = 0
    private(set) var scoreCapacity = 0
    private(set) var hidden = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var qkv = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var context = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var projection = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var intermediate = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var scores = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    init() {}

    /// Ensures room for `tokens` rows and `scoreFloats` attention scores.
    func reserve(tokens: Int, config: BertConfig, scoreFloats: Int) {
        if tokens > tokenCapacity {
            // Grow geometrically so a stream of growing batches reallocates rarely.
            let capacity = max(tokens, tokenCapacity * 3 / 2, 64)
            let h = config.hiddenSize
            for pointer in [hidden, qkv, context, projection, intermediate] { pointer.deallocate() }
            hidden = .allocate(capacity: capacity * h)
            qkv = .allocate(capacity: capacity * 3 * h)
            context = .allocate(capacity: capacity * h)
            projection = .allocate(capacity: capacity * h)
            intermediate = .allocate(capacity: capacity * config.intermediateSize)
            tokenCapacity = capacity
        }
        if scoreFloats > scoreCapacity {
            scores.deallocate()
            scoreCapacity = max(scoreFloats, 4096)
            scores = .allocate(capacity: scoreCapacity)
        }
    }

    deinit {
        for pointer in [hidden, qkv, context, projection, intermediate, scores] { pointer.deallocate() }
    }
}
