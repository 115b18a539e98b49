import Foundation
import HiveCore

/// The private fields of an episode (input, output, critique) as stored in `episodes.sealed`
/// (schema v3): one AES-GCM message per episode, so a write costs one nonce and one seal.
///
/// - Format 2 (every write since v3): `0x02 ‖ seal("episodes.private.<id>", varint(|input|) ‖ input ‖
///   varint(|output|) ‖ output ‖ critique)`.
/// - Format 1 (episodes written before v3, reframed by the migration, which has no key):
///   `0x01 ‖ varint(|a|) ‖ a ‖ varint(|b|) ‖ b ‖ varint(|c|) ‖ c`, where a, b, c are the v1 per-field
///   sealed values bound to `episodes.input.<id>`, `episodes.output.<id>` and `episodes.critique.<id>`.
///
/// Every malformed blob is ``HiveError/Code/malformed``; a wrong key or a blob moved to another row
/// is ``HiveError/Code/inconsistent`` (the AES-GCM tag binds it to the episode id).
struct EpisodePrivateFields: Sendable, Hashable {
    var input: String
    var output: String
    var critique: String

    static let sealedFormat: UInt8 = 2
    static let legacyFormat: UInt8 = 1

    static func context(_ id: String) -> String { "episodes.private.\(id)" }

    /// The stored form for episode `id` (format 2).
    func seal(id: String, cipher: FieldCipher) throws -> Data {
        let inputBytes = input.utf8, outputBytes = output.utf8, critiqueBytes = critique.utf8
        var plain: [UInt8] = []
        plain.reserveCapacity(inputBytes.count + outputBytes.count + critiqueBytes.count + 10)
        Self.appendVarint(inputBytes.count, to: &plain)
        plain.append(contentsOf: inputBytes)
        Self.appendVarint(outputBytes.count, to: &plain)
        plain.append(contentsOf: outputBytes)
        plain.append(contentsOf: critiqueBytes)
        return try cipher.seal(bytes: plain, context: Self.context(id), header: Self.sealedFormat)
    }

    /// Reads a stored blob of either format.
    static func open(_ stored: Data, id: String, cipher: FieldCipher) throws -> EpisodePrivateFields {
        guard let format = stored.first else { throw HiveError(.malformed, "episode \(id) has an empty private-fields blob") }
        let body = stored.dropFirst()
        switch format {
        case sealedFormat:
            let plain = try cipher.openBytes(Data(body), context: context(id))
            var reader = BlobReader(bytes: plain, what: "private fields of episode \(id)")
            let input = try reader.string(reader.varint())
            let output = try reader.string(reader.varint())
            let critique = try reader.string(plain.count - reader.offset)
            return EpisodePrivateFields(input: input, output: output, critique: critique)
        case legacyFormat:
            var reader = BlobReader(bytes: [UInt8](body), what: "private fields of episode \(id)")
            let input = try reader.chunk(reader.varint())
            let output = try reader.chunk(reader.varint())
            let critique = try reader.chunk(reader.varint())
            try reader.finish()
            return EpisodePrivateFields(
                input: try cipher.open(input, context: "episodes.input.\(id)"),
                output: try cipher.open(output, context: "episodes.output.\(id)"),
                critique: try cipher.open(critique, context: "episodes.critique.\(id)"))
        default:
            throw HiveError(.malformed, "episode \(id) has an unknown private-fields format \(format)")
        }
    }

    /// Format 1: the three v1 sealed columns of one row, framed into one blob (no key needed).
    static func legacy(input: Data, output: Data, critique: Data) -> Data {
        var out: [UInt8] = [legacyFormat]
        for part in [input, output, critique] {
            appendVarint(part.count, to: &out)
            out.append(contentsOf: part)
        }
        return Data(out)
    }

    static func appendVarint(_ value: Int, to out: inout [UInt8]) {
        var v = UInt64(value)
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
