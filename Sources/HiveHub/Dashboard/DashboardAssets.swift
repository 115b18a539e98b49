import Foundation

/// The dashboard's static files (HTML, CSS, JavaScript), read once from the HiveHub target's
/// resources. Only names in ``types`` are served, so a request cannot reach any other file.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    static let types: [String: String] = [
        "index.html": "text/html; charset=utf-8",
        "dashboard.css": "text/css; charset=utf-8",
        "dashboard.js": "text/javascript; charset=utf-8",
    ]

    /// Loaded at first use; a file missing from the bundle is simply absent (404).
    static let shared = DashboardAssets(directory: Bundle.module.url(forResource: "Static", withExtension: nil))

    let assets: [String: Asset]

    init(directory: URL?) {
        var assets: [String: Asset] = [:]
        if let directory {
            for (name, type) in Self.types {
                if let data = try? Data(contentsOf: directory.appendingPathComponent(name)) {
                    assets[name] = Asset(bytes: Array(data), contentType: type)
                }
            }
        }
        self.assets = assets
    }

    func asset(_ name: String) -> Asset? { assets[name] }
}
