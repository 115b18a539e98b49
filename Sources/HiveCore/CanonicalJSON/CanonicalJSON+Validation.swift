extension CanonicalJSON {
    /// Throws `.malformed` unless `bytes` are already canonical — the same verdict as comparing
    /// ``canonicalize(_:)`` with the input, in one pass over the bytes and without decoding.
    public static func validate(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try CanonicalJSONValidator.validate($0) }
    }

    /// Whether `bytes` are already canonical (see ``validate(_:)``).
    public static func isCanonical(_ bytes: [UInt8]) -> Bool {
        (try? validate(bytes)) != nil
    }
}
