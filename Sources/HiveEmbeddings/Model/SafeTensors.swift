import Foundation
import HiveCore

/// A `.safetensors` file, memory-mapped, with its header parsed and checked defensively.
///
/// Format: 8-byte little-endian header length `n`, `n` bytes of JSON mapping tensor names to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data section),
/// then the data. Every offset, shape and dtype is validated before any pointer is formed:
/// lying or overflowing offsets, overlapping tensors and shape/size disagreements are errors.
public final class SafeTensors: Sendable {
    /// One tensor's header entry.
    public struct Tensor: Sendable, Equatable {
        public var dtype: String
        public var shape: [Int]
        /// Absolute byte range in the file.
        public var byteRange: Range<Int>
    }

    let file: MappedFile
    public let tensors: [String: Tensor]
    private let fileName: String

    /// The largest header accepted (the format's own reference limit is 100 MB).
    static let maxHeaderBytes = 100_000_000

    /// Maps and parses the file at `url`; errors name the file.
    public convenience init(contentsOf url: URL) throws(HiveError) {
        try self.init(file: MappedFile(path: url.path), fileName: url.lastPathComponent)
    }

    init(file: MappedFile, fileName: String) throws(HiveError) {
        self.file = file
        self.fileName = fileName
        let bytes = file.bytes
        guard bytes.count >= 8 else {
            throw HiveError(.malformed, "\(fileName) is truncated (\(bytes.count) bytes, no header)")
        }
        var headerLength: UInt64 = 0
        for index in 0..<8 { headerLength |= UInt64(bytes[index]) << (8 * UInt64(index)) }
        guard headerLength <= UInt64(Self.maxHeaderBytes), Int(headerLength) <= bytes.count - 8 else {
            throw HiveError(
                .malformed, "\(fileName): header length \(headerLength) exceeds the file (\(bytes.count) bytes)")
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = bytes.count - dataStart
        let headerData = Data(bytes[8..<dataStart])
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: headerData) } catch {
            throw HiveError(.malformed, "\(fileName): header is not valid JSON")
        }
        guard let header = object as? [String: Any] else {
            throw HiveError(.malformed, "\(fileName): header is not a JSON object")
        }
        var tensors: [String: Tensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shapeRaw = entry["shape"] as? [Any], let offsetsRaw = entry["data_offsets"] as? [Any],
                offsetsRaw.count == 2
            else {
                throw HiveError(.malformed, "\(fileName): tensor \(name) has a malformed header entry")
            }
            guard let elementSize = Self.elementSize(dtype) else {
                throw HiveError(.malformed, "\(fileName): tensor \(name) has unknown dtype \(dtype)")
            }
            var shape: [Int] = []
            var elements = 1
            for dimension in shapeRaw {
                guard let number = dimension as? NSNumber, let value = Int(exactly: number.doubleValue), value >= 0
                else {
                    throw HiveError(.malformed, "\(fileName): tensor \(name) has an invalid shape")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: value)
                guard !overflow else {
                    throw HiveError(.malformed, "\(fileName): tensor \(name) shape overflows")
                }
                shape.append(value)
                elements = product
            }
            var offsets: [Int] = []
            for raw in offsetsRaw {
                guard let number = raw as? NSNumber, let value = Int(exactly: number.doubleValue), value >= 0 else {
                    throw HiveError(.malformed, "\(fileName): tensor \(name) has invalid data_offsets")
                }
                offsets.append(value)
            }
            let (byteCount, overflow) = elements.multipliedReportingOverflow(by: elementSize)
            guard !overflow, offsets[0] <= offsets[1], offsets[1] <= dataSize else {
                throw HiveError(
                    .malformed,
                    "\(fileName): tensor \(name) data_offsets \(offsets) lie outside the data section (\(dataSize) bytes)"
                )
            }
            guard offsets[1] - offsets[0] == byteCount else {
                throw HiveError(
                    .malformed,
                    "\(fileName): tensor \(name) spans \(offsets[1] - offsets[0]) bytes but shape \(shape) × \(dtype) needs \(byteCount)"
                )
            }
            tensors[name] = Tensor(
                dtype: dtype, shape: shape, byteRange: (dataStart + offsets[0])..<(dataStart + offsets[1]))
        }
        let ordered = tensors.sorted { $0.value.byteRange.lowerBound < $1.value.byteRange.lowerBound }
        for (previous, next) in zip(ordered, ordered.dropFirst())
        where next.value.byteRange.lowerBound < previous.value.byteRange.upperBound {
            throw HiveError(.malformed, "\(fileName): tensors \(previous.key) and \(next.key) overlap")
        }
        self.tensors = tensors
    }

    /// A float32 tensor's data, after checking its dtype and shape.
    ///
    /// Points into the mapping when aligned (the common case); otherwise copies into an aligned buffer.
    func floats(_ name: String, shape expected: [Int]) throws(HiveError) -> FloatStorage {
        guard let tensor = tensors[name] else {
            throw HiveError(.malformed, "\(fileName) lacks tensor \(name)")
        }
        guard tensor.dtype == "F32" else {
            throw HiveError(.malformed, "\(fileName): tensor \(name) is \(tensor.dtype), expected F32")
        }
        guard tensor.shape == expected else {
            throw HiveError(
                .dimensionMismatch,
                "\(fileName): tensor \(name) has shape \(tensor.shape) but config.json implies \(expected)")
        }
        let start = file.base + tensor.byteRange.lowerBound
        let count = tensor.byteRange.count / 4
        #if _endian(big)
            throw HiveError(.unavailable, "\(fileName): big-endian hosts are not supported")
        #else
            if Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
                return FloatStorage(mapped: start.assumingMemoryBound(to: Float.self), count: count, owner: file)
            }
            return FloatStorage(copying: UnsafeRawBufferPointer(start: start, count: tensor.byteRange.count))
        #endif
    }

    /// The name of the first float32 tensor (in name order) holding NaN or infinity, if any.
    func firstNonFiniteTensor() -> String? {
        for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) where tensor.dtype == "F32" {
            let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[tensor.byteRange])
            var index = 0
            while index + 4 <= bytes.count {
                // Exponent bits all ones means NaN or infinity; read bitwise so alignment does not matter.
                let bits = bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)
                if bits & 0x7F80_0000 == 0x7F80_0000 { return name }
                index += 4
            }
        }
        return nil
    }

    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": return 1
        default: return nil
        }
    }
}

/// Read-only float data: either a view into a mapped file (kept alive by `owner`) or an owned buffer.
///
/// `@unchecked Sendable`: the floats are never written after `init`; the owner or the allocation
/// outlives every use because the storage holds it.
final class FloatStorage: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
    let count: Int
    private let owner: AnyObject?
    private let owned: UnsafeMutablePointer<Float>?

    init(mapped pointer: UnsafePointer<Float>, count: Int, owner: AnyObject) {
        self.pointer = pointer
        self.count = count
        self.owner = owner
        owned = nil
    }

    init(copying bytes: UnsafeRawBufferPointer) {
        let count = bytes.count / 4
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress!, byteCount: count * 4)
        pointer = UnsafePointer(buffer)
        self.count = count
        owner = nil
        owned = buffer
    }

    /// Concatenates several tensors (e.g. Q, K and V weights into one projection).
    init(concatenating parts: [FloatStorage]) {
        let count = parts.reduce(0) { $0 + $1.count }
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        var offset = 0
        for part in parts {
            (buffer + offset).update(from: part.pointer, count: part.count)
            offset += part.count
        }
        pointer = UnsafePointer(buffer)
        self.count = count
        owner = nil
        owned = buffer
    }

    /// For a view into a mapped file: drops its resident pages (see `MappedFile.releasePages`), for
    /// weights that were copied elsewhere; a later read pages them back in. No-op for owned buffers.
    func releaseMappedPages() {
        guard let file = owner as? MappedFile else { return }
        file.releasePages(UnsafeRawPointer(pointer), byteCount: count * 4)
    }

    deinit { owned?.deallocate() }
}
