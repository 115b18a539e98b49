/// What one load-test request does.
public enum LoadOperation: String, Sendable, Hashable, Codable, CaseIterable {
    /// `POST /api/v1/sync` (type push) carrying one freshly signed pattern envelope.
    case push
    /// `POST /api/v1/sync` (type pull) from the twin's cursor.
    case pull
    /// The skills workload: alternately publish a signed `federation_trace_v1` (`POST /skills`)
    /// and search by intent (`GET /skills?intent=…`).
    case skills
}
