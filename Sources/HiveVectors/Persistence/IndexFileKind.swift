/// Which index type a file holds; stored in the file header so loading the wrong type fails cleanly.
enum IndexFileKind: UInt32 {
    case flat = 1
    case quantizedFlat = 2
    case hnsw = 3

    var name: String {
        switch self {
        case .flat: "FlatIndex"
        case .quantizedFlat: "QuantizedFlatIndex"
        case .hnsw: "HNSWIndex"
        }
    }
}
