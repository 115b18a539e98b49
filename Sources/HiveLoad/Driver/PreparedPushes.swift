import Foundation
import HiveCore
import NIOCore

/// Push requests signed before the timed phase, so the load generator's CPU during the run goes
/// to sending and checking, not to canonicalising and signing (standard load-generator practice).
///
/// Every body is still a genuine, unique request: request `i` of the run carries one pattern
/// envelope signed by twin `i mod N` with sequence number `i + 1` (pattern id
/// `lt-<run>-<twin>-<i+1>`), exactly what ``LoadRequestFactory/patternEnvelope(_:sequence:)``
/// makes on the hot path; only the moment of signing moves. A request index without a prepared
/// body (not a push, or beyond what was prepared) is built when it is sent.
public final class PreparedPushes: Sendable {
    /// One ready push: the request body (JSON) and the id of the envelope it carries.
    public struct Push: Sendable {
        public var body: ByteBuffer
        public var envelopeID: String
    }

    private let pushes: [Push?]

    /// Prepares every push among request indexes `0..<count` of `mix`, on `workers` tasks.
    public init(
        count: Int, mix: LoadMix, sessions: LoadSessions, factory: LoadRequestFactory, workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) async throws {
        let chunks = max(1, min(workers, count))
        let size = (count + chunks - 1) / chunks
        let parts = try await withThrowingTaskGroup(of: (Int, [Push?]).self) { group in
            for chunk in 0..<chunks {
                let range = (chunk * size)..<min(count, (chunk + 1) * size)
                group.addTask {
                    var part: [Push?] = []
                    part.reserveCapacity(range.count)
                    for index in range {
                        guard mix.operation(for: index) == .push else {
                            part.append(nil)
                            continue
                        }
                        part.append(try Self.push(index: index, sessions: sessions, factory: factory))
                    }
                    return (chunk, part)
                }
            }
            var parts = [[Push?]](repeating: [], count: chunks)
            for try await (chunk, part) in group { parts[chunk] = part }
            return parts
        }
        pushes = parts.flatMap { $0 }
    }

    /// The push of request `index` (twin `index mod N`, sequence `index + 1`), signed now.
    public static func push(index: Int, sessions: LoadSessions, factory: LoadRequestFactory) throws -> Push {
        let twin = sessions.twins[index % sessions.count]
        let envelope = try factory.patternEnvelope(twin, sequence: UInt64(index) + 1)
        let request = try OmegaSyncRequest(type: .push, envelopes: [envelope])
        return Push(body: ByteBuffer(data: try HiveJSON.encode(request)), envelopeID: envelope.id)
    }

    /// How many request indexes were considered (pushes and others).
    public var count: Int { pushes.count }

    /// How many pushes are ready.
    public var ready: Int { pushes.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// The prepared push of request `index`, if there is one.
    public subscript(index: Int) -> Push? {
        index >= 0 && index < pushes.count ? pushes[index] : nil
    }
}
