import HiveCore
import Synchronization

/// `GET /skills` answers assembled from JSON cached per published trace.
///
/// A published trace never changes (its envelope is signed, its trace id unique), so the JSON of
/// its hit — envelope, instance id, trace — is encoded once, when a search first returns it, and
/// reused by every later answer; an answer is then the cached pieces with the scores spliced in.
/// Without it each search read its hits back from the database, decoded envelope and payload
/// JSON, and encoded them again. Least recently used half dropped when `capacity` is exceeded.
public final class SkillAnswerCache: Sendable {
    /// The JSON of one hit around its score: `{"envelope":…,"instanceID":…,"score":` and `,"trace":…}`.
    struct Fragment: Sendable {
        var head: [UInt8]
        var tail: [UInt8]
    }

    private let fragments: RecentlyUsedCache<Fragment>
    var capacity: Int { fragments.capacity }
    /// `{"method":…,"note":…,"skills":[` and `],"threshold":…}`.
    let opening: [UInt8]
    let closing: [UInt8]

    /// `method`, `note`, `threshold`: the fields every answer carries besides its hits.
    init(capacity: Int, method: String, note: String, threshold: Double) {
        fragments = RecentlyUsedCache(capacity: capacity)
        let method = (try? HiveJSON.encode(method)).map(Array.init) ?? Array("\"\"".utf8)
        let note = (try? HiveJSON.encode(note)).map(Array.init) ?? Array("\"\"".utf8)
        let threshold = (try? HiveJSON.encode(threshold)).map(Array.init) ?? Array("0".utf8)
        opening = Array("{\"method\":".utf8) + method + Array(",\"note\":".utf8) + note + Array(",\"skills\":[".utf8)
        closing = Array("],\"threshold\":".utf8) + threshold + Array("}".utf8)
    }

    var count: Int { fragments.count }

    /// The cached fragment of each trace id (nil where missing), marking hits as used.
    func lookup(_ traceIDs: [String]) -> [Fragment?] {
        fragments.lookup(traceIDs)
    }

    /// Encodes and caches the fragments of `records`; returns them by trace id.
    func store(_ records: [SkillRecord]) throws -> [String: Fragment] {
        var made: [String: Fragment] = [:]
        for record in records {
            let head =
                Array("{\"envelope\":".utf8) + Array(try HiveJSON.encode(record.envelope)) + Array(",\"instanceID\":".utf8)
                + Array(try HiveJSON.encode(record.twinID)) + Array(",\"score\":".utf8)
            let tail = Array(",\"trace\":".utf8) + Array(try HiveJSON.encode(record.trace)) + Array("}".utf8)
            made[record.traceID] = Fragment(head: head, tail: tail)
        }
        fragments.store(Array(made.keys), Array(made.values))
        return made
    }

    /// The answer body for `hits` (best first) whose fragments are `fragments` (same order; a
    /// hit without one — its record vanished — is left out).
    func answer(_ hits: [ScoredTrace], _ fragments: [Fragment?]) -> [UInt8] {
        var body = opening
        body.reserveCapacity(opening.count + closing.count + fragments.reduce(0) { $0 + ($1.map { $0.head.count + $0.tail.count + 24 } ?? 0) })
        var first = true
        for (hit, fragment) in zip(hits, fragments) {
            guard let fragment else { continue }
            if !first { body.append(UInt8(ascii: ",")) }
            first = false
            body += fragment.head
            // Shortest round-trip decimal form: a valid JSON number for a finite score in [0, 1].
            body += Array(String(hit.score).utf8)
            body += fragment.tail
        }
        body += closing
        return body
    }
}
