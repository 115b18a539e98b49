import Synchronization

/// The router's (method, path) pairs, so a request for a known path with the wrong method gets
/// 405 with `Allow` instead of the router's 404.
final class RouteTable: Sendable {
    private let routes = Mutex<[(method: String, components: [Substring])]>([])

    func set(_ entries: [(method: String, path: String)]) {
        routes.withLock { $0 = entries.map { ($0.method, $0.path.split(separator: "/")) } }
    }

    /// Methods registered for a path (captures like `{id}` match any one segment).
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        return routes.withLock { routes in
            routes.filter { route in
                route.components.count == segments.count
                    && zip(route.components, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
            }.map(\.method)
        }.sorted()
    }
}
