import HiveCore

extension QuantizedFlatIndex {
    /// Header-parameter bit marking a ``Rescoring/none`` file; its low 32 bits then hold the code
    /// stride. Files without it (every file written before the mode existed) hold f32 rows and
    /// carry the f32 row stride there, so they still load as ``Rescoring/f32``.
    static let int8OnlyFlag: UInt64 = 1 << 32

    /// File layout under ``Rescoring/f32``: the ``FlatIndex`` sections, then the int8 code rows and
    /// their scales. Under ``Rescoring/none``: ids, `.l2` norms, code rows, scales — no f32 rows,
    /// so the file is about N × (d + 12) bytes.
    @discardableResult
    public func save(to path: String) throws -> UInt64 {
        var writer = try IndexFileWriter(path: path)
        do {
            let parameter: UInt64
            switch rescoring {
            case .f32:
                try exact.writeSections(to: &writer)
                parameter = UInt64(exact.stride)
            case .none:
                try writer.writeSection(exact.storage.ids)
                if metric == .l2 { try writer.writeSection(exact.storage.squaredNorms) }
                parameter = Self.int8OnlyFlag | UInt64(codes.rows.stride)
            }
            try writer.writeSection(UnsafeRawPointer(codes.rows.base), byteCount: codes.rows.byteCount)
            try writer.writeSection(codes.scales)
            return try writer.finish(kind: .quantizedFlat, dimension: dimension, metric: metric, count: count, parameter: parameter)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Loads a file written by ``save(to:)`` in either mode (the header says which); code rows,
    /// and f32 rows if any, are memory-mapped.
    public init(contentsOf path: String, expectedChecksum: UInt64?) throws {
        var reader = try IndexFileReader(path: path, kind: .quantizedFlat, expectedChecksum: expectedChecksum)
        do {
            let header = reader.header
            let stride = Self.codeStride(header.dimension)
            if header.parameter & Self.int8OnlyFlag != 0 {
                guard header.parameter == Self.int8OnlyFlag | UInt64(stride) else {
                    throw HiveError(.malformed, "\(path): code stride \(header.parameter & 0xFFFF_FFFF) does not match dimension \(header.dimension)")
                }
                let n = header.count
                let storage = FlatStorage(stride: 0)
                storage.ids = try reader.readArray(VectorID.self, count: n, what: "ids")
                if header.metric == .l2 { storage.squaredNorms = try reader.readArray(Float.self, count: n, what: "norms") }
                storage.slots.reserveCapacity(n)
                for (slot, id) in storage.ids.enumerated() {
                    guard storage.slots.updateValue(Int32(slot), forKey: id) == nil else {
                        throw HiveError(.malformed, "\(path): id \(id) appears twice")
                    }
                }
                storage.vectors.setRows(n)  // stride 0: no bytes, only the row count
                let codes = Int8Codes(rows: try reader.mapRows(Int8.self, stride: stride, rows: n, what: "int8 codes"))
                codes.scales = try reader.readArray(Float.self, count: n, what: "scales")
                try reader.finish()
                let exact = FlatIndex(dimension: header.dimension, metric: header.metric, storage: storage)
                self.init(exact: exact, codes: codes, rescoring: .none)
            } else {
                let exact = try FlatIndex(readingSectionsFrom: &reader)
                let n = exact.count
                let codes = Int8Codes(rows: try reader.mapRows(Int8.self, stride: stride, rows: n, what: "int8 codes"))
                codes.scales = try reader.readArray(Float.self, count: n, what: "scales")
                try reader.finish()
                self.init(exact: exact, codes: codes, rescoring: .f32)
            }
        } catch {
            reader.abandon()
            throw error
        }
    }
}
