import Crypto
import Foundation

/// The RFC 9162 §2.1.1 Merkle Tree Hash.
///
/// `MTH({}) = SHA-256()`, leaf `= SHA-256(0x00 ‖ d)`, node `= SHA-256(0x01 ‖ left ‖ right)`;
/// a list of `n > 1` leaves splits at the largest power of two smaller than `n`, so the last
/// leaf is never duplicated (unlike Bitcoin's tree).
public enum Merkle {
    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot: TreeHash = {
        let digest = SHA256.hash(data: [UInt8]())
        return digest.withUnsafeBytes { TreeHash(unsafeRaw: $0) }
    }()

    private static let leafPrefix: [UInt8] = [0x00]

    /// `SHA-256(0x00 ‖ data)`.
    public static func leafHash(_ data: some DataProtocol) -> TreeHash {
        var hasher = SHA256()
        hasher.update(data: leafPrefix)
        hasher.update(data: data)
        return hasher.finalize().withUnsafeBytes { TreeHash(unsafeRaw: $0) }
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`.
    public static func nodeHash(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        // One contiguous 65-byte message on the stack: a single update, no heap allocation.
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = 0x01
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33..<65]).copyMemory(from: $0) }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            return hasher.finalize().withUnsafeBytes { TreeHash(unsafeRaw: $0) }
        }
    }

    /// The Merkle Tree Hash of a list of leaf hashes, by the RFC's recursive definition.
    ///
    /// O(n) work and O(log n) stack; the reference the incremental structures are tested against.
    public static func rootHash(leafHashes: some RandomAccessCollection<TreeHash>) -> TreeHash {
        let leaves = Array(leafHashes)
        if leaves.isEmpty { return emptyRoot }
        return subtreeHash(leaves[...])
    }

    private static func subtreeHash(_ leaves: ArraySlice<TreeHash>) -> TreeHash {
        if leaves.count == 1 { return leaves[leaves.startIndex] }
        let k = largestPowerOfTwo(below: UInt64(leaves.count))
        let split = leaves.startIndex + Int(k)
        return nodeHash(subtreeHash(leaves[..<split]), subtreeHash(leaves[split...]))
    }

    /// The largest power of two strictly smaller than `n` (`n ≥ 2`): the RFC's split point `k`.
    @inlinable public static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        // For n ≥ 2: highest bit of (n - 1).
        UInt64(1) << (63 - UInt64((n - 1).leadingZeroBitCount))
    }
}
