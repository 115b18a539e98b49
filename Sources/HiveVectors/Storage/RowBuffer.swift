/// A growable, 64-byte-aligned matrix of fixed-stride rows; the backing store of every index.
///
/// Rows are `stride` elements long (the dimension rounded up to a whole SIMD register, zero
/// padded), so kernels never need a scalar tail loop and every row starts on a cache line.
///
/// `@unchecked Sendable`: the buffer is only mutated by the index value that uniquely owns it
/// (indexes copy it before writing when it is shared — copy-on-write), so a buffer that is
/// visible to more than one thread is never written.
final class RowBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var capacity: Int
    private(set) var rows: Int = 0
    let stride: Int
    /// Set while `base` points into a mapped file rather than an allocation of our own.
    private var mapping: FileMapping?

    static var alignment: Int { 64 }

    init(stride: Int, capacity: Int = 0) {
        self.stride = stride
        self.capacity = max(capacity, 1)
        base = Self.allocate(rows: self.capacity, stride: stride)
    }

    /// Rows that live inside a read-only mapped file at `offset` (64-byte aligned); no copy is
    /// made until the first write (every writing method calls ``ensureOwned()`` first; callers
    /// writing through ``row(_:)`` into existing rows must call it too).
    init(stride: Int, rows: Int, mapping: FileMapping, offset: Int) {
        self.stride = stride
        self.rows = rows
        capacity = rows
        self.mapping = mapping
        base = (mapping.base + offset).bindMemory(to: Element.self, capacity: rows * stride)
    }

    deinit { if mapping == nil { UnsafeMutableRawPointer(base).deallocate() } }

    private static func allocate(rows: Int, stride: Int) -> UnsafeMutablePointer<Element> {
        let bytes = max(rows * stride * MemoryLayout<Element>.stride, alignment)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: alignment)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        return raw.bindMemory(to: Element.self, capacity: rows * stride)
    }

    /// Pointer to row `i`.
    @inline(__always)
    func row(_ i: Int) -> UnsafeMutablePointer<Element> { base + i * stride }

    /// Bytes occupied by the live rows.
    var byteCount: Int { rows * stride * MemoryLayout<Element>.stride }

    /// An independent copy (for copy-on-write).
    func copy() -> RowBuffer<Element> {
        let other = RowBuffer(stride: stride, capacity: rows)
        other.base.update(from: base, count: rows * stride)
        other.rows = rows
        return other
    }

    /// Ensures room for `total` rows, growing geometrically.
    func reserve(_ total: Int) {
        guard total > capacity else { return }
        let newCapacity = max(total, capacity + capacity / 2, 16)
        let fresh = Self.allocate(rows: newCapacity, stride: stride)
        fresh.update(from: base, count: rows * stride)
        if mapping == nil { UnsafeMutableRawPointer(base).deallocate() }
        mapping = nil
        base = fresh
        capacity = newCapacity
    }

    /// Moves rows that live in a read-only file mapping into memory of our own before a write.
    @inline(__always)
    func ensureOwned() {
        guard mapping != nil else { return }
        let fresh = Self.allocate(rows: max(capacity, 1), stride: stride)
        fresh.update(from: base, count: rows * stride)
        mapping = nil
        base = fresh
    }

    /// Appends one zero-initialised row and returns a pointer to it.
    func appendRow() -> UnsafeMutablePointer<Element> {
        reserve(rows + 1)
        rows += 1
        return row(rows - 1)
    }

    /// Moves the last row into slot `i` and drops the last row (O(stride) removal).
    func swapRemove(_ i: Int) {
        ensureOwned()
        let last = rows - 1
        if i != last { row(i).update(from: row(last), count: stride) }
        zeroRow(last)
        rows -= 1
    }

    /// Drops every row at index ≥ `newCount`.
    func truncate(to newCount: Int) {
        ensureOwned()
        for r in newCount..<rows { zeroRow(r) }
        rows = newCount
    }

    private func zeroRow(_ i: Int) {
        UnsafeMutableRawPointer(row(i)).initializeMemory(as: UInt8.self, repeating: 0, count: stride * MemoryLayout<Element>.stride)
    }

    /// Sets the row count after the caller filled rows directly (bulk load).
    func setRows(_ n: Int) {
        ensureOwned()
        reserve(n)
        rows = n
    }
}
