import Foundation
import HiveCore

/// Conversions between records and the text columns both backends store them in.
enum StoreCodec {
    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try HiveJSON.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try HiveJSON.decode(type, from: Array(text.utf8))
        } catch {
            throw HiveError(.inconsistent, "stored \(what) does not decode: \(HiveJSON.describe(error))")
        }
    }

    static func metadata(_ text: String) throws -> [String: String] {
        try decode([String: String].self, text, what: "twin metadata")
    }

    /// The payload column: canonical JSON is UTF-8 text by construction (verified before storing).
    static func payloadText(_ payload: [UInt8]) -> String { String(decoding: payload, as: UTF8.self) }

    static func envelope(_ text: String) throws -> SignedEnvelope {
        try decode(SignedEnvelope.self, text, what: "envelope")
    }

    static func skillEvent(trace: SkillTrace, envelope: SignedEnvelope) throws -> String {
        try json(envelope)
    }

    static let patternKind = EnvelopeKind.pattern.rawValue
    static let modelUpdateKind = EnvelopeKind.modelUpdate.rawValue

    /// Whether an envelope of `kind` waits for an aggregation round.
    static func isPending(_ kind: EnvelopeKind) -> Bool { kind == .pattern || kind == .modelUpdate }

    struct ModelPublished: Codable {
        var version: Int64
        var dimension: Int
        var rows: Int
        var round: Int64
    }

    struct TwinBlocked: Codable {
        var twinID: String
        var blocked: Bool
    }

    struct TwinRegistered: Codable {
        var twinID: String
        var publicKey: String
    }
}
