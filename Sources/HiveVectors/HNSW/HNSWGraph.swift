import Foundation

/// The shared, copy-on-write state of an ``HNSWIndex``: node vectors, the layered neighbour
/// lists, tombstones and the id map.
///
/// Level-0 neighbour lists live in one flat buffer of `2M + 1` UInt32 per node (count first),
/// so the hot bottom layer is a single allocation; the few upper-level lists are per-node
/// arrays of `level × (M + 1)` UInt32.
///
/// `@unchecked Sendable`: mutated only through an `HNSWIndex` holding the sole reference
/// (copy-on-write), so no thread observes a write. The visited pool is shared scratch guarded
/// by its own mutex.
final class HNSWGraph: @unchecked Sendable {
    let dimension: Int
    let metric: DistanceMetric
    let m: Int
    let maxLevel0: Int
    /// SIMD chunks per row and whether scores need the squared norms (fixed per graph, read
    /// in every distance computation).
    let chunks: Int
    let isL2: Bool
    let vectors: RowBuffer<Float>
    let links0: RowBuffer<UInt32>
    var upper: [[UInt32]] = []
    var levels: [UInt8] = []
    var ids: [VectorID] = []
    var nodeOf: [VectorID: UInt32] = [:]
    var deleted: [Bool] = []
    var deletedCount = 0
    var squaredNorms: [Float] = []
    var entry: UInt32 = 0
    var topLevel = -1
    var rngState: UInt64
    let visitedPool = VisitedPool()

    var nodeCount: Int { ids.count }
    var stride: Int { vectors.stride }
    var levelMultiplier: Double { 1 / log(Double(m)) }

    init(dimension: Int, metric: DistanceMetric, m: Int, capacity: Int, seed: UInt64) {
        self.dimension = dimension
        self.metric = metric
        self.m = m
        maxLevel0 = 2 * m
        chunks = Kernels.paddedStride(dimension) / Kernels.lanes
        isL2 = metric == .l2
        vectors = RowBuffer(stride: Kernels.paddedStride(dimension), capacity: capacity)
        links0 = RowBuffer(stride: 2 * m + 1, capacity: capacity)
        rngState = seed
    }

    /// A graph around existing rows (e.g. mapped from a file); the caller fills in the rest.
    init(dimension: Int, metric: DistanceMetric, m: Int, vectors: RowBuffer<Float>, links0: RowBuffer<UInt32>, seed: UInt64) {
        self.dimension = dimension
        self.metric = metric
        self.m = m
        maxLevel0 = 2 * m
        chunks = vectors.stride / Kernels.lanes
        isL2 = metric == .l2
        self.vectors = vectors
        self.links0 = links0
        rngState = seed
    }

    private init(copying g: HNSWGraph) {
        dimension = g.dimension
        metric = g.metric
        m = g.m
        maxLevel0 = g.maxLevel0
        chunks = g.chunks
        isL2 = g.isL2
        vectors = g.vectors.copy()
        links0 = g.links0.copy()
        upper = g.upper
        levels = g.levels
        ids = g.ids
        nodeOf = g.nodeOf
        deleted = g.deleted
        deletedCount = g.deletedCount
        squaredNorms = g.squaredNorms
        entry = g.entry
        topLevel = g.topLevel
        rngState = g.rngState
    }

    func copy() -> HNSWGraph { HNSWGraph(copying: self) }

    func maxLinks(_ level: Int) -> Int { level == 0 ? maxLevel0 : m }

    // MARK: neighbour lists

    /// The level-0 neighbour list of `node`, in place (valid while the graph is not mutated).
    @inline(__always)
    func neighbours0(_ node: UInt32) -> UnsafeBufferPointer<UInt32> {
        let p = links0.row(Int(node))
        return UnsafeBufferPointer(start: p + 1, count: Int(p[0]))
    }

    /// The neighbour list of `node` at `level`, copied.
    func neighbourArray(_ node: UInt32, _ level: Int) -> [UInt32] {
        if level == 0 {
            let p = links0.row(Int(node))
            return Array(UnsafeBufferPointer(start: p + 1, count: Int(p[0])))
        }
        let base = (level - 1) * (m + 1)
        let list = upper[Int(node)]
        return Array(list[(base + 1)..<(base + 1 + Int(list[base]))])
    }

    func setNeighbours(_ node: UInt32, _ level: Int, _ list: [UInt32]) {
        list.withUnsafeBufferPointer { setNeighbours(node, level, $0) }
    }

    func setNeighbours(_ node: UInt32, _ level: Int, _ list: UnsafeBufferPointer<UInt32>) {
        if level == 0 {
            links0.ensureOwned()
            let p = links0.row(Int(node))
            p[0] = UInt32(list.count)
            for (i, n) in list.enumerated() { p[1 + i] = n }
        } else {
            let base = (level - 1) * (m + 1)
            upper[Int(node)][base] = UInt32(list.count)
            for (i, n) in list.enumerated() { upper[Int(node)][base + 1 + i] = n }
        }
    }

    // MARK: scores (higher is closer)

    /// Query-relative key: the dot product, or for L2 `2 q·x − |x|²` (= −|q − x|² + |q|²).
    @inline(__always)
    func key(_ q: UnsafePointer<Float>, _ node: UInt32) -> Float {
        let d = Kernels.dot(q, vectors.row(Int(node)), chunks: chunks)
        return isL2 ? 2 * d - squaredNorms[Int(node)] : d
    }

    /// Symmetric similarity between two stored nodes (−squared distance under L2).
    @inline(__always)
    func similarity(_ a: UInt32, _ b: UInt32) -> Float {
        let d = Kernels.dot(vectors.row(Int(a)), vectors.row(Int(b)), chunks: chunks)
        return isL2 ? 2 * d - squaredNorms[Int(a)] - squaredNorms[Int(b)] : d
    }

    /// Converts a query-relative key into the symmetric similarity for a query that is node `q`.
    @inline(__always)
    func similarity(fromKey key: Float, queryNode q: UInt32) -> Float {
        isL2 ? key - squaredNorms[Int(q)] : key
    }

    // MARK: random levels

    func randomLevel() -> Int {
        rngState &+= 0x9E37_79B9_7F4A_7C15
        var z = rngState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = (Double(z >> 11) + 0.5) / Double(1 << 53)
        return min(Int(-log(u) * levelMultiplier), 16)
    }
}
