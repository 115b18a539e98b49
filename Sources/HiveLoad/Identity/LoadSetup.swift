import Foundation
import HiveCore

/// The steps before a run: load (or generate) the identities, then register with a hub the
/// twins that hold no token valid long enough.
public enum LoadSetup {
    /// Identities for `twins` twins, registered with `hub` when the target is a Hive hub.
    public static func prepare(
        twins: Int, cacheDirectory: String, hub: String, target: LoadTarget, connections: Int, registerConcurrency: Int,
        validForSeconds: Double, log: @escaping @Sendable (String) -> Void = { print($0) }
    ) async throws -> (sessions: LoadSessions, registrations: RegistrationCache?) {
        let started = ContinuousClock.now
        let cache = LoadIdentityCache(path: (cacheDirectory as NSString).appendingPathComponent("identities.bin"))
        let loaded = try cache.load(count: twins)
        let list = try loaded.identities.enumerated().map { try LoadTwin(index: $0.offset, identity: $0.element) }
        let sessions = LoadSessions(twins: list)
        log("identities: \(twins) (\(loaded.generated) generated) in \(milliseconds(since: started)) ms, cache \(cache.path)")
        guard target == .hive else { return (sessions, nil) }

        let http = LoadHTTP(baseURL: hub, connections: max(connections, registerConcurrency))
        do {
            let registrations = try await register(
                sessions, http: http, twins: twins, cacheDirectory: cacheDirectory, registerConcurrency: registerConcurrency,
                validForSeconds: validForSeconds, log: log)
            try await http.shutdown()
            return (sessions, registrations)
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    static func register(
        _ sessions: LoadSessions, http: LoadHTTP, twins: Int, cacheDirectory: String, registerConcurrency: Int, validForSeconds: Double,
        log: @escaping @Sendable (String) -> Void
    ) async throws -> RegistrationCache {
        let registrar = LoadRegistrar(http: http, concurrency: registerConcurrency)
        let info = try await registrar.hubInfo()
        if let limit = info.rateLimitPerMinute, limit < twins * 2 {
            log("warning: the hub allows \(limit) requests per minute per address; registering \(twins) twins needs \(twins * 2)")
        }
        let registrations = RegistrationCache(directory: cacheDirectory, hubKeyHex: info.publicKey)
        let cached = try registrations.load(into: sessions)
        let deadline = Int64(HybridLogicalClock.systemMilliseconds()) + Int64(validForSeconds * 1000)
        let missing = sessions.needingRegistration(before: deadline)
        log("registrations: \(cached) cached for hub \(info.nodeID), \(missing.count) to register")
        if !missing.isEmpty {
            let registering = ContinuousClock.now
            try await registrar.register(missing, sessions: sessions) { done in log("  registered \(done)/\(missing.count)") }
            let ms = milliseconds(since: registering)
            log("registered \(missing.count) twins in \(ms) ms (\(ms > 0 ? missing.count * 1000 / ms : 0)/s)")
            try registrations.save(sessions)
        }
        return registrations
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let d = ContinuousClock.now - start
        return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }
}
