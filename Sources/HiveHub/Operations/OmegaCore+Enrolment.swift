import HiveCore

extension OmegaCore {
    /// Registers a viewer twin on the operator's authority (the MCP tool `omega_register_viewer`),
    /// for a device that cannot answer a challenge yet: it is enrolled by its public key, and its
    /// first sync later authenticates with that same key and finds the record.
    ///
    /// The operator's authority replaces the proof of key possession, never the identity binding:
    /// `twinID` must be the ``TwinIdentity`` derived from `userID` and `publicKeyHex`, so no one can
    /// enrol an id that belongs to another key. No access token is issued (only the key holder gets
    /// one, by signing a challenge). Enrolling an already registered twin returns its record
    /// unchanged; a blocked twin is refused (`forbidden`). Metadata follows the registration limits.
    public func enrol(twinID: String, userID: String, publicKeyHex: String, metadata: [String: String]) async throws
        -> TwinRecord
    {
        let key = publicKeyHex.lowercased()
        guard let bytes = Hex.decode(key), bytes.count == 32 else {
            throw HiveError(.invalidInput, "publicKey must be 64 hex digits (a raw Ed25519 public key)")
        }
        guard metadata.count <= 32 else { throw HiveError(.invalidInput, "metadata has more than 32 entries") }
        for (name, value) in metadata {
            try Validation.check(name, maxBytes: 64, nonEmpty: true, field: "metadata key")
            try Validation.check(value, maxBytes: 256, field: "metadata.\(name.prefix(64))")
        }
        let identity = try TwinIdentity(userID: userID, nodePublicKey: bytes)
        guard identity.twinID == twinID else {
            throw HiveError(
                .invalidInput,
                "viewerId \(twinID.prefix(64)) is not the twin of user \(userID.prefix(64)) on key \(key.prefix(16))…; that twin is \(identity.twinID)"
            )
        }
        // The store creates a twin only while consuming a fresh challenge (one transaction); the
        // hub issues one to itself here, since the signature check it stands for was the operator's.
        let challenge = try await challenge()
        let now = nowMs
        let record = TwinRecord(id: twinID, publicKey: key, userID: userID, metadata: metadata, registeredAt: now)
        let stored = try await store.register(record, challenge: challenge.challenge, nowMs: now)
        metrics.registrations.increment()
        logger.info("twin enrolled by the operator", metadata: ["twin": "\(stored.id)"])
        return stored
    }
}
