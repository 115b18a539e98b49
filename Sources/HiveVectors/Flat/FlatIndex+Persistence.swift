import HiveCore

extension FlatIndex {
    /// File layout after the header: ids (Int64 × count), rows (Float × count × stride, the
    /// in-memory layout, so loading is one bulk read), squared norms under `.l2`.
    @discardableResult
    public func save(to path: String) throws -> UInt64 {
        var writer = try IndexFileWriter(path: path)
        do {
            try writeSections(to: &writer)
            return try writer.finish(kind: .flat, dimension: dimension, metric: metric, count: count, parameter: UInt64(stride))
        } catch {
            writer.abandon()
            throw error
        }
    }

    public init(contentsOf path: String, expectedChecksum: UInt64?) throws {
        var reader = try IndexFileReader(path: path, kind: .flat, expectedChecksum: expectedChecksum)
        do {
            try self.init(readingSectionsFrom: &reader)
            try reader.finish()
        } catch {
            reader.abandon()
            throw error
        }
    }

    func writeSections(to writer: inout IndexFileWriter) throws {
        let s = storage
        try writer.writeSection(s.ids)
        try writer.writeSection(UnsafeRawPointer(s.vectors.base), byteCount: s.vectors.byteCount)
        if metric == .l2 { try writer.writeSection(s.squaredNorms) }
    }

    /// Reads the sections written by `writeSections` (the header's parameter must be the stride).
    init(readingSectionsFrom reader: inout IndexFileReader) throws {
        let header = reader.header
        let path = reader.path
        let stride = Kernels.paddedStride(header.dimension)
        guard header.parameter == UInt64(stride) else {
            throw HiveError(.malformed, "\(path): row stride \(header.parameter) does not match dimension \(header.dimension)")
        }
        let n = header.count
        let ids = try reader.readArray(VectorID.self, count: n, what: "ids")
        let storage = FlatStorage(vectors: try reader.mapRows(Float.self, stride: stride, rows: n, what: "vectors"))
        if header.metric == .l2 {
            storage.squaredNorms = try reader.readArray(Float.self, count: n, what: "norms")
        }
        storage.ids = ids
        storage.slots.reserveCapacity(n)
        for (slot, id) in ids.enumerated() {
            guard storage.slots.updateValue(Int32(slot), forKey: id) == nil else {
                throw HiveError(.malformed, "\(path): id \(id) appears twice")
            }
        }
        self.init(dimension: header.dimension, metric: header.metric, storage: storage)
    }

    /// The checksum a file written by ``save(to:)`` would carry, without reading it fully: the
    /// header checksum. Returns nil when the file is missing or not a flat index.
    public static func storedChecksum(at path: String) -> UInt64? {
        (try? IndexFileReader.peekChecksum(path: path, kind: .flat))
    }
}
