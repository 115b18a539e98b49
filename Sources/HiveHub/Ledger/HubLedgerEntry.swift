import Crypto
import Foundation
import HiveCore

/// One decision or contribution the hub writes to its transparency ledger. Entries are
/// canonical JSON (sorted keys, no whitespace) with a `kind`, so anyone holding the entries can
/// read them and recompute every leaf hash.
///
/// Large data is committed to by SHA-256 (hex) rather than copied: the envelope's payload is
/// already bound by its id, a model version by the hash of its canonical delta.
public struct HubLedgerEntry: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// An envelope the hub accepted (`ref` = envelope id).
        case envelope
        /// An aggregation round (`ref` = round number).
        case round
        /// A consolidated pattern a round published (`ref` = pattern id).
        case pattern
        /// A skill trace published to the marketplace (`ref` = trace id).
        case skill
        /// A blocklist decision (`ref` = twin id, `blocked`).
        case blocklist
    }

    public var kind: Kind
    public var ref: String
    /// The twin concerned, if any.
    public var twin: String?
    /// Envelope kind (envelope entries).
    public var envelopeKind: String?
    /// Hex Ed25519 key and base64 signature of the envelope's signer (envelope entries).
    public var signer: String?
    public var signature: String?
    /// Model version a round published, and the SHA-256 (hex) of that version's canonical delta.
    public var modelVersion: Int64?
    public var modelHash: String?
    /// Ids of the envelopes a round consumed (its inputs), sorted.
    public var inputs: [String]?
    /// SHA-256 (hex) of a consolidated pattern's canonical JSON.
    public var dataHash: String?
    /// Blocklist decisions: blocked or unblocked.
    public var blocked: Bool?
    /// The round that published a consolidated pattern.
    public var round: Int64?
    /// Hub time of the decision (ms since the Unix epoch). Absent from envelope entries, so a
    /// twin can rebuild its envelope's entry from the envelope and its twin id alone and check its
    /// receipt (the tree head carries the time).
    public var at: Int64?

    enum CodingKeys: String, CodingKey {
        case kind, ref, twin, signer, signature, inputs, blocked, round, at
        case envelopeKind = "envelope_kind"
        case modelVersion = "model_version"
        case modelHash = "model_hash"
        case dataHash = "data_hash"
    }

    /// The bytes appended to the ledger.
    public func encoded() throws -> [UInt8] { Array(try HiveJSON.encode(self)) }

    /// Decodes an entry read back from the ledger.
    public static func decode(_ bytes: [UInt8]) throws -> HubLedgerEntry {
        try HiveJSON.decode(HubLedgerEntry.self, from: Data(bytes))
    }

    static func sha256Hex(_ bytes: some DataProtocol) -> String {
        Hex.encode(Array(SHA256.hash(data: bytes)))
    }

    // MARK: Constructors for each decision

    /// The entry of an accepted envelope: what a receipt proves was logged.
    public static func envelope(_ envelope: SignedEnvelope, twinID: String) -> HubLedgerEntry {
        HubLedgerEntry(
            kind: .envelope, ref: envelope.id, twin: twinID, envelopeKind: envelope.kind.rawValue,
            signer: Hex.encode(envelope.signer), signature: Data(envelope.signature).base64EncodedString(), at: nil)
    }

    public static func skill(traceID: String, envelopeID: String, twinID: String, nowMs: Int64) -> HubLedgerEntry {
        HubLedgerEntry(kind: .skill, ref: traceID, twin: twinID, dataHash: envelopeID, at: nowMs)
    }

    public static func round(_ round: Int64, output: RoundOutput, nowMs: Int64) throws -> HubLedgerEntry {
        var entry = HubLedgerEntry(kind: .round, ref: String(round), inputs: output.consumed.sorted(), at: nowMs)
        if let delta = output.modelDelta {
            entry.modelVersion = delta.version
            entry.modelHash = sha256Hex(try HiveJSON.encode(delta))
        }
        return entry
    }

    public static func pattern(_ pattern: ConsolidatedPattern, round: Int64, nowMs: Int64) throws -> HubLedgerEntry {
        HubLedgerEntry(
            kind: .pattern, ref: pattern.id, dataHash: sha256Hex(try HiveJSON.encode(pattern)), round: round, at: nowMs)
    }

    public static func blocklist(twinID: String, blocked: Bool, nowMs: Int64) -> HubLedgerEntry {
        HubLedgerEntry(kind: .blocklist, ref: twinID, twin: twinID, blocked: blocked, at: nowMs)
    }

    init(
        kind: Kind, ref: String, twin: String? = nil, envelopeKind: String? = nil, signer: String? = nil,
        signature: String? = nil, modelVersion: Int64? = nil, modelHash: String? = nil, inputs: [String]? = nil,
        dataHash: String? = nil, blocked: Bool? = nil, round: Int64? = nil, at: Int64?
    ) {
        self.kind = kind
        self.ref = ref
        self.twin = twin
        self.envelopeKind = envelopeKind
        self.signer = signer
        self.signature = signature
        self.modelVersion = modelVersion
        self.modelHash = modelHash
        self.inputs = inputs
        self.dataHash = dataHash
        self.blocked = blocked
        self.round = round
        self.at = at
    }
}
