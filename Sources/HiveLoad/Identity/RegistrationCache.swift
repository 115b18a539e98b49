import Foundation
import HiveCore

/// Access tokens from earlier registrations with one hub, so a rerun against the same hub skips
/// re-registering 100K twins. Tokens are secrets: the file is written 0600 and refused when
/// readable by others. Lines: `index TAB twinID TAB expiresAtMs TAB token`.
public struct RegistrationCache: Sendable {
    public let path: String

    /// The cache file for the hub with public key `hubKeyHex`, beside the identity cache.
    public init(directory: String, hubKeyHex: String) {
        path = (directory as NSString).appendingPathComponent("registrations-\(hubKeyHex.prefix(16)).tsv")
    }

    /// Loads cached tokens into `sessions` for twins whose twin id still matches; returns how many.
    @discardableResult
    public func load(into sessions: LoadSessions) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        if info.st_mode & 0o077 != 0 {
            throw HiveError(.keyFile, "registration cache \(path) is readable by others; fix with `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        var loaded = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            // Malformed or stale lines are skipped: the twin simply registers again.
            guard fields.count == 4, let index = Int(fields[0]), index >= 0, index < sessions.count,
                sessions.twins[index].twinID == fields[1], let expiresAt = Int64(fields[2]), !fields[3].isEmpty
            else { continue }
            sessions.setToken(index, String(fields[3]), expiresAt: expiresAt)
            loaded += 1
        }
        return loaded
    }

    /// Writes every session holding a token.
    public func save(_ sessions: LoadSessions) throws {
        var text = ""
        text.reserveCapacity(sessions.count * 400)
        for twin in sessions.twins {
            guard let token = sessions.token(twin.index) else { continue }
            text += "\(twin.index)\t\(twin.twinID)\t\(sessions.expiry(twin.index))\t\(token)\n"
        }
        try KeyFile.writeSecretFile(Array(text.utf8), to: path)
    }
}
