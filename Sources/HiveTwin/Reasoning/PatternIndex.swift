import HiveCore
import HiveVectors

/// The vector index behind a ``ReasoningBank``: exact (int8-only ``QuantizedFlatIndex``) or HNSW.
enum PatternIndex: Sendable {
    case exact(QuantizedFlatIndex)
    case hnsw(HNSWIndex)

    var count: Int {
        switch self {
        case .exact(let index): index.count
        case .hnsw(let index): index.count
        }
    }

    var dimension: Int {
        switch self {
        case .exact(let index): index.dimension
        case .hnsw(let index): index.dimension
        }
    }

    var metric: DistanceMetric {
        switch self {
        case .exact(let index): index.metric
        case .hnsw(let index): index.metric
        }
    }

    func contains(_ id: VectorID) -> Bool {
        switch self {
        case .exact(let index): index.contains(id)
        case .hnsw(let index): index.contains(id)
        }
    }

    mutating func add(ids: [VectorID], vectors: [Float]) throws {
        switch self {
        case .exact(var index):
            self = .exact(try QuantizedFlatIndex(dimension: 1))  // drop the extra reference so the add does not copy
            defer { self = .exact(index) }
            try index.add(ids: ids, vectors: vectors)
        case .hnsw(var index):
            self = .exact(try QuantizedFlatIndex(dimension: 1))
            defer { self = .hnsw(index) }
            try index.add(ids: ids, vectors: vectors)
        }
    }

    mutating func remove(id: VectorID) throws {
        switch self {
        case .exact(var index):
            self = .exact(try QuantizedFlatIndex(dimension: 1))
            defer { self = .exact(index) }
            try index.remove(id: id)
        case .hnsw(var index):
            self = .exact(try QuantizedFlatIndex(dimension: 1))
            defer { self = .hnsw(index) }
            try index.remove(id: id)
        }
    }

    func search(_ query: [Float], k: Int, filter: VectorFilter?) throws -> [SearchHit] {
        switch self {
        case .exact(let index): try index.search(query, k: k, filter: filter)
        case .hnsw(let index): try index.search(query, k: k, filter: filter)
        }
    }
}
