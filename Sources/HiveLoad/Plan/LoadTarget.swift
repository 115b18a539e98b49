import Foundation
import HiveCore

/// Which server the load generator drives.
public enum LoadTarget: String, Sendable, Hashable, Codable, CaseIterable {
    /// A Hive hub: registered twins, bearer tokens, signed envelopes.
    case hive
    /// The FastAPI federation server of the design (scripts/anchors/federation_server.py):
    /// unauthenticated, in memory; only the skills workload exists there.
    case fastapi

    /// Refuses anything but a loopback host unless `allowRemote`: a load test pointed at someone
    /// else's server by mistake is a denial of service.
    public static func checkLoopback(_ url: String, allowRemote: Bool) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme),
            let host = parsed.host, !host.isEmpty
        else {
            throw HiveError(.invalidInput, "--hub must be http(s)://host:port, got \(url.prefix(200))")
        }
        if allowRemote { return }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        let isIPv4Loopback = octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        guard isIPv4Loopback || bare == "::1" || bare == "localhost" else {
            throw HiveError(.forbidden, "\(host) is not a loopback address; pass --allow-remote to load-test another machine")
        }
    }
}
