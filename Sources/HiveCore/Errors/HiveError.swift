/// The one error type Hive's libraries throw.
///
/// Modelled on NIO's `FileSystemError`: a stable machine-readable ``Code`` plus a
/// human-readable message. The hub maps codes to RFC 9457 problem types; the CLI
/// prints `message` on one line and exits non-zero.
public struct HiveError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable category for an error. New codes may be added; existing raw values never change.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Input failed validation (range, size, finiteness, shape).
        public static let invalidInput = Code(rawValue: "invalid-input")
        /// Bytes could not be decoded (malformed JSON, truncated file, wrong magic).
        public static let malformed = Code(rawValue: "malformed")
        /// A signature did not verify.
        public static let badSignature = Code(rawValue: "bad-signature")
        /// A record's kind is not one this receiver understands.
        public static let unknownKind = Code(rawValue: "unknown-kind")
        /// A timestamp lies too far in the future.
        public static let clockDrift = Code(rawValue: "clock-drift")
        /// A key or key file is unusable (permissions, format).
        public static let keyFile = Code(rawValue: "key-file")
        /// A referenced record does not exist.
        public static let notFound = Code(rawValue: "not-found")
        /// A record with the same identity already exists.
        public static let duplicate = Code(rawValue: "duplicate")
        /// A dimension or shape mismatch between inputs.
        public static let dimensionMismatch = Code(rawValue: "dimension-mismatch")
        /// A storage or I/O failure.
        public static let io = Code(rawValue: "io")
        /// A required resource (model, index, service) is missing.
        public static let unavailable = Code(rawValue: "unavailable")
        /// The caller is not authenticated or not allowed.
        public static let unauthorized = Code(rawValue: "unauthorized")
        /// The caller is blocked or untrusted.
        public static let forbidden = Code(rawValue: "forbidden")
        /// A state or protocol invariant was violated.
        public static let inconsistent = Code(rawValue: "inconsistent")
    }

    /// The category of the error.
    public var code: Code
    /// What went wrong, in one line, naming the field or file involved.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
