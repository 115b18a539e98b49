import HiveCore

extension QuantizedFlatIndex {
    /// File layout: the ``FlatIndex`` sections, then the int8 code rows and their scales.
    @discardableResult
    public func save(to path: String) throws -> UInt64 {
        var writer = try IndexFileWriter(path: path)
        do {
            try exact.writeSections(to: &writer)
            try writer.writeSection(UnsafeRawPointer(codes.rows.base), byteCount: codes.rows.byteCount)
            try writer.writeSection(codes.scales)
            return try writer.finish(kind: .quantizedFlat, dimension: dimension, metric: metric, count: count, parameter: UInt64(exact.stride))
        } catch {
            writer.abandon()
            throw error
        }
    }

    public init(contentsOf path: String, expectedChecksum: UInt64?) throws {
        var reader = try IndexFileReader(path: path, kind: .quantizedFlat, expectedChecksum: expectedChecksum)
        do {
            let exact = try FlatIndex(readingSectionsFrom: &reader)
            let n = exact.count
            let codes = Int8Codes(rows: try reader.mapRows(Int8.self, stride: Self.codeStride(exact.dimension), rows: n, what: "int8 codes"))
            codes.scales = try reader.readArray(Float.self, count: n, what: "scales")
            try reader.finish()
            self.init(exact: exact, codes: codes)
        } catch {
            reader.abandon()
            throw error
        }
    }
}
