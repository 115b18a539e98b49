/// The stable problem types the hub answers with (RFC 9457 `type`), one per kind of failure.
///
/// Each type is a URN (`urn:hive:problem:<slug>`); clients switch on it, never on `detail`.
/// Raw values never change once published; docs/openapi.yaml lists them all.
public struct ProblemType: Hashable, Sendable, CustomStringConvertible {
    /// The slug after `urn:hive:problem:`.
    public let slug: String
    /// The HTTP status this problem is answered with.
    public let status: Int
    /// A short human-readable summary (RFC 9457 `title`).
    public let title: String

    public init(slug: String, status: Int, title: String) {
        self.slug = slug
        self.status = status
        self.title = title
    }

    /// The full `type` URI.
    public var uri: String { "urn:hive:problem:\(slug)" }
    public var description: String { uri }

    public static let malformedRequest = ProblemType(slug: "malformed-request", status: 400, title: "Malformed request")
    public static let invalidInput = ProblemType(slug: "invalid-input", status: 400, title: "Invalid input")
    public static let badSignature = ProblemType(slug: "bad-signature", status: 400, title: "Signature does not verify")
    public static let unknownKind = ProblemType(slug: "unknown-kind", status: 400, title: "Unknown envelope kind")
    public static let clockDrift = ProblemType(slug: "clock-drift", status: 400, title: "Timestamp too far in the future")
    public static let unauthorized = ProblemType(slug: "unauthorized", status: 401, title: "Authentication required")
    public static let tokenExpired = ProblemType(slug: "token-expired", status: 401, title: "Access token expired")
    public static let challengeInvalid = ProblemType(
        slug: "challenge-invalid", status: 401, title: "Unknown or already used challenge")
    public static let challengeExpired = ProblemType(slug: "challenge-expired", status: 401, title: "Challenge expired")
    public static let forbidden = ProblemType(slug: "forbidden", status: 403, title: "Not allowed")
    public static let twinBlocked = ProblemType(slug: "twin-blocked", status: 403, title: "Twin is blocklisted")
    public static let untrustedInstance = ProblemType(
        slug: "untrusted-instance", status: 403, title: "Instance reputation below the trust threshold")
    public static let notFound = ProblemType(slug: "not-found", status: 404, title: "Not found")
    public static let methodNotAllowed = ProblemType(slug: "method-not-allowed", status: 405, title: "Method not allowed")
    public static let duplicate = ProblemType(slug: "duplicate", status: 409, title: "Already exists")
    public static let payloadTooLarge = ProblemType(slug: "payload-too-large", status: 413, title: "Request body too large")
    public static let unsupportedMediaType = ProblemType(
        slug: "unsupported-media-type", status: 415, title: "Body must be application/json")
    public static let rateLimited = ProblemType(slug: "rate-limited", status: 429, title: "Too many requests")
    public static let internalError = ProblemType(slug: "internal", status: 500, title: "Internal error")
    public static let storageError = ProblemType(slug: "storage", status: 503, title: "Storage unavailable")
    public static let engineUnavailable = ProblemType(
        slug: "engine-unavailable", status: 503, title: "Engine not available in this build")
    public static let notReady = ProblemType(slug: "not-ready", status: 503, title: "Hub not ready")

    /// Every type, for the spec test.
    public static let all: [ProblemType] = [
        .malformedRequest, .invalidInput, .badSignature, .unknownKind, .clockDrift, .unauthorized, .tokenExpired,
        .challengeInvalid, .challengeExpired, .forbidden, .twinBlocked, .untrustedInstance, .notFound,
        .methodNotAllowed, .duplicate, .payloadTooLarge, .unsupportedMediaType, .rateLimited, .internalError,
        .storageError, .engineUnavailable, .notReady,
    ]
}
