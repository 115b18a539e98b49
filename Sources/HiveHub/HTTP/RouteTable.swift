import Synchronization

/// The router's (method, path) pairs, so a request for a known path with the wrong method gets
/// 405 with `Allow` instead of the router's 404.
final class RouteTable: Sendable {
    private let routes = Mutex<[(method: String, components: [Substring])]>([])

    func set(_ entries: [(method: String, path: String)]) {
        routes.withLock { $0 = entries.map { ($0.method, $0.path.split(separator: "/")) } }
    }

    /// Methods registered for a path, resolved the way the router's trie resolves it: at each
    /// segment a literal match wins over a capture like `{id}` and is never backtracked, so
    /// `GET /twins/challenge` is not routed to `GET /twins/{id}` and `Allow` must not offer GET.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        return routes.withLock { routes in
            var candidates = routes.filter { $0.components.count == segments.count }
            for (index, segment) in segments.enumerated() {
                let literal = candidates.filter { $0.components[index] == segment }
                candidates = literal.isEmpty ? candidates.filter { $0.components[index].hasPrefix("{") } : literal
            }
            return candidates.map(\.method)
        }.sorted()
    }
}
