import Foundation
import HiveCore
import Hummingbird

/// An RFC 9457 problem: the one error shape the hub puts on the wire
/// (`Content-Type: application/problem+json`).
public struct Problem: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var type: ProblemType
    /// What went wrong in this instance, naming the field or id involved. Never holds secrets.
    public var detail: String
    /// Extra headers (e.g. `Retry-After`).
    public var headers: HTTPFields

    public init(_ type: ProblemType, _ detail: String, headers: HTTPFields = [:]) {
        self.type = type
        self.detail = detail
        self.headers = headers
    }

    public var status: HTTPResponse.Status { HTTPResponse.Status(code: type.status) }
    public var description: String { "\(type.slug): \(detail)" }

    /// The JSON body.
    public struct Body: Codable, Sendable, Equatable {
        public var type: String
        public var title: String
        public var status: Int
        public var detail: String
    }

    public var body: Body { Body(type: type.uri, title: type.title, status: type.status, detail: detail) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        let data = (try? HiveJSON.encode(body)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Maps a library error to a problem. `HiveError` codes map one-to-one; anything else is internal
    /// (its text is not put on the wire, it could name paths or hosts).
    public static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let hive as HiveError:
            return Problem(type(for: hive.code), hive.message)
        case let http as HTTPError:
            switch http.status.code {
            case 404: return Problem(.notFound, "no route for this path")
            case 405: return Problem(.methodNotAllowed, "method not allowed on this path")
            case 413: return Problem(.payloadTooLarge, http.body ?? "request body too large")
            case 400: return Problem(.malformedRequest, http.body ?? "malformed request")
            case 401: return Problem(.unauthorized, http.body ?? "authentication required")
            case 429: return Problem(.rateLimited, http.body ?? "too many requests")
            default: return Problem(.internalError, "request failed with status \(http.status.code)")
            }
        default:
            return Problem(.internalError, "internal error")
        }
    }

    /// The problem type for a `HiveError` code.
    public static func type(for code: HiveError.Code) -> ProblemType {
        switch code {
        case .invalidInput, .dimensionMismatch: .invalidInput
        case .malformed: .malformedRequest
        case .badSignature: .badSignature
        case .unknownKind: .unknownKind
        case .clockDrift: .clockDrift
        case .notFound: .notFound
        case .duplicate: .duplicate
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .unavailable: .engineUnavailable
        case .io: .storageError
        default: .internalError
        }
    }
}
