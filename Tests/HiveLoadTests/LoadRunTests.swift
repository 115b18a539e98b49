import Foundation
import HiveCore
import HiveHub
import HiveLedger
import HiveTestSupport
import Testing

@testable import HiveLoad

@Suite("Load test against a live hub")
struct LoadRunTests {
    @Test("registers twins, drives push/pull/skills, every acknowledged envelope is stored and logged once")
    func shortRun() async throws {
        let directory = try LoadPiecesTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await LiveHub.with(dataDirectory: try LoadPiecesTests.temporaryDirectory()) { url, server in
            let (sessions, registrations) = try await LoadSetup.prepare(
                twins: 12, cacheDirectory: directory, hub: url, target: .hive, connections: 8, registerConcurrency: 4,
                validForSeconds: 60, log: { _ in })
            #expect(sessions.needingRegistration(before: 0).isEmpty)
            let ackLog = try AckLog(path: directory + "/acks.txt")
            let http = LoadHTTP(baseURL: url, connections: 8)
            let plan = LoadPlan(
                rate: 60, durationSeconds: 1.5, connections: 8, mix: try LoadMix(parsing: "push=0.5,pull=0.25,skills=0.25"),
                sampleSeconds: 0.5)
            let driver = LoadDriver(
                http: http, sessions: sessions, plan: plan, ackLog: ackLog, monitor: ProcessMonitor(pid: getpid(), port: nil),
                log: { _ in })
            let report = await driver.run()
            ackLog.close()
            try await http.shutdown()
            #expect(report.sent == 90)
            #expect(report.errors.isEmpty, "\(report.errors)")
            #expect(report.ok == 90)
            #expect(Set(report.byOperation.keys) == ["push", "pull", "skills-publish", "skills-search"])
            #expect(report.hubPeakRSSMB ?? 0 > 0)

            let acked = try String(contentsOfFile: directory + "/acks.txt", encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(acked.count == report.acknowledgedEnvelopes)
            #expect(Set(acked).count == acked.count)
            // Each acknowledged envelope has exactly one envelope entry in the hub's ledger.
            let ledger = server.core.store.ledger
            let size = try await ledger.size()
            var entries: [String: Int] = [:]
            for bytes in try await ledger.entries(in: 0..<size) {
                let entry = try HiveJSON.decode(HubLedgerEntry.self, from: bytes)
                if entry.kind == .envelope { entries[entry.ref, default: 0] += 1 }
            }
            for id in acked { #expect(entries[id] == 1, "envelope \(id)") }

            // A second setup against the same hub reuses the cached registrations.
            try registrations?.save(sessions)
            let again = try await LoadSetup.prepare(
                twins: 12, cacheDirectory: directory, hub: url, target: .hive, connections: 8, registerConcurrency: 4,
                validForSeconds: 60, log: { _ in })
            #expect((0..<12).allSatisfy { again.sessions.token($0) == sessions.token($0) })
        }
    }

    @Test("an unreachable target is reported as errors, not a crash")
    func unreachable() async throws {
        let directory = try LoadPiecesTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (sessions, _) = try await LoadSetup.prepare(
            twins: 2, cacheDirectory: directory, hub: "http://127.0.0.1:1", target: .fastapi, connections: 2, registerConcurrency: 1,
            validForSeconds: 1, log: { _ in })
        let http = LoadHTTP(baseURL: "http://127.0.0.1:1", connections: 2, timeout: .seconds(2), connectTimeout: .seconds(1))
        let plan = LoadPlan(target: .fastapi, rate: 20, durationSeconds: 0.5, connections: 2, mix: .skillsOnly, sampleSeconds: 1)
        let report = await LoadDriver(http: http, sessions: sessions, plan: plan, log: { _ in }).run()
        try await http.shutdown()
        #expect(report.sent == 10)
        #expect(report.ok == 0)
        #expect(report.errorCount == 10)
    }
}
