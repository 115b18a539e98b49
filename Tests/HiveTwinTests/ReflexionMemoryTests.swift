import Foundation
import GRDB
import HiveCore
import Testing
@testable import HiveTwin

@Suite("ReflexionMemory")
struct ReflexionMemoryTests {
    static func draft(_ task: String, reward: Double, success: Bool, critique: String = "", session: String = "s1") -> EpisodeDraft {
        EpisodeDraft(
            sessionID: session, task: task, input: "query for \(task)", output: "picked something", reward: reward,
            success: success, critique: critique, latencyMs: 12, tags: ["evening"])
    }

    @Test("retrieves episodes of the most similar task first, with reward, outcome and since filters")
    func retrieval() throws {
        let dir = TemporaryDirectory()
        let memory = try Fixtures.reflexion(try Fixtures.open(dir))
        let thriller = "recommend a thriller movie for tonight"
        let comedy = "recommend a comedy series for the weekend"
        let wifi = "fix the broken wifi router"
        let first = try memory.storeEpisodes([
            Self.draft(thriller, reward: 0.9, success: true),
            Self.draft(thriller, reward: 0.2, success: false, critique: "too violent"),
            Self.draft(comedy, reward: 0.8, success: true),
            Self.draft(wifi, reward: 0.1, success: false, critique: "wrong manual"),
        ])
        let later = try memory.storeEpisode(Self.draft(thriller, reward: 0.6, success: true))

        let all = try memory.retrieveRelevant(task: "a thriller movie for tonight", k: 3)
        #expect(all.map(\.episode.task) == [thriller, thriller, thriller])
        #expect(all.map(\.episode.reward) == [0.9, 0.6, 0.2])  // same task: higher reward first
        #expect(all[0].episode == first[0])  // decrypted back to the original
        #expect(try memory.retrieveRelevant(task: "a thriller movie for tonight", k: 10, minReward: 0.5).allSatisfy { $0.episode.reward >= 0.5 })
        let failures = try memory.retrieveRelevant(task: "a thriller movie for tonight", k: 10, outcome: .failures)
        #expect(failures.allSatisfy { !$0.episode.success } && failures.first?.episode.task == thriller)
        let successes = try memory.retrieveRelevant(task: "a thriller movie for tonight", k: 10, outcome: .successes)
        #expect(successes.allSatisfy { $0.episode.success })
        let recent = try memory.retrieveRelevant(task: thriller, k: 10, since: first.last!.stamp)
        #expect(recent.map(\.episode.id) == [later.id])
        #expect(try memory.episode(id: later.id) == later)
        #expect(try memory.episode(id: "nope") == nil)
    }

    @Test("critique summary: failures on the most similar tasks, deduplicated, newest first")
    func critiques() throws {
        let dir = TemporaryDirectory()
        let memory = try Fixtures.reflexion(try Fixtures.open(dir))
        let task = "recommend a thriller movie for tonight"
        try memory.storeEpisode(Self.draft(task, reward: 0.1, success: false, critique: "too violent"))
        try memory.storeEpisode(Self.draft(task, reward: 0.2, success: false, critique: "already watched"))
        try memory.storeEpisode(Self.draft(task, reward: 0.1, success: false, critique: "Too violent "))
        try memory.storeEpisode(Self.draft(task, reward: 0.9, success: true, critique: "great pick"))
        #expect(try memory.critiqueSummary(task: task, k: 5) == ["Too violent", "already watched"])
    }

    @Test("the raw database file does not contain the plaintext of private fields")
    func encryptedAtRest() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        let memory = try Fixtures.reflexion(store)
        let secrets = ["SECRET-INPUT-searched for divorce lawyers", "SECRET-OUTPUT-played Kramer vs Kramer", "SECRET-CRITIQUE-user cried"]
        for i in 0..<50 {
            try memory.storeEpisode(
                EpisodeDraft(
                    sessionID: "s", task: "media_selection_visible", input: secrets[0] + " \(i)", output: secrets[1] + " \(i)",
                    reward: 0.5, success: true, critique: secrets[2] + " \(i)"))
        }
        var raw = Data()
        for suffix in ["", "-wal"] { raw += (try? Data(contentsOf: URL(fileURLWithPath: store.path + suffix))) ?? Data() }
        try store.checkpoint()
        raw += try Data(contentsOf: URL(fileURLWithPath: store.path))
        #expect(raw.range(of: Data("media_selection_visible".utf8)) != nil)  // the scan does find clear text
        for secret in secrets {
            #expect(raw.range(of: Data(secret.utf8)) == nil, "plaintext \(secret) found in the database file")
            #expect(raw.range(of: Data("SECRET-".utf8)) == nil)
        }
        #expect(try memory.retrieveRelevant(task: "media_selection_visible", k: 1).first?.episode.critique.hasPrefix(secrets[2]) == true)
    }

    @Test("bad input: NaN or out-of-range rewards, oversized text, unknown fields → specific errors, nothing written")
    func badInput() throws {
        let dir = TemporaryDirectory()
        let memory = try Fixtures.reflexion(try Fixtures.open(dir))
        let good = Self.draft("task", reward: 0.5, success: true)
        var bad: [(EpisodeDraft, String)] = []
        var d = good
        d.reward = .nan
        bad.append((d, "reward"))
        d = good
        d.reward = 1.5
        bad.append((d, "reward"))
        d = good
        d.reward = -0.1
        bad.append((d, "reward"))
        d = good
        d.input = String(repeating: "x", count: Episode.Limits.textBytes + 1)
        bad.append((d, "input"))
        d = good
        d.latencyMs = .infinity
        bad.append((d, "latency_ms"))
        d = good
        d.task = ""
        bad.append((d, "task"))
        for (draft, field) in bad {
            #expect { try memory.storeEpisodes([good, draft]) } throws: { error in
                guard let error = error as? HiveError else { return false }
                return error.code == .invalidInput && error.message.contains(field) && error.message.contains("episode 1")
            }
        }
        #expect(try memory.count() == 0)
        #expect(try memory.storeEpisodes([]).isEmpty)
        #expect { try memory.retrieveRelevant(task: "task", k: 0) } throws: { ($0 as? HiveError)?.code == .invalidInput }
        #expect { try memory.retrieveRelevant(task: "task", k: 3, minReward: .nan) } throws: { ($0 as? HiveError)?.code == .invalidInput }
        #expect { try memory.prune(maxCount: -1) } throws: { ($0 as? HiveError)?.code == .invalidInput }
    }

    @Test("TTL hides expired episodes and the sweep deletes them; prune by age and by count")
    func ttlAndPrune() throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let memory = try Fixtures.reflexion(try Fixtures.open(dir, clock: clock))
        let short = try memory.storeEpisode(Self.draft("watch", reward: 0.5, success: true), ttlMs: 1_000)
        clock.advance(500)
        for _ in 0..<5 { try memory.storeEpisode(Self.draft("watch", reward: 0.5, success: true)) }
        clock.advance(501)
        #expect(try memory.episode(id: short.id) == nil)
        #expect(try !memory.retrieveRelevant(task: "watch", k: 10).contains { $0.episode.id == short.id })
        #expect(try memory.sweepExpired() == 1)
        clock.advance(10_000)
        try memory.storeEpisode(Self.draft("watch", reward: 0.5, success: true))
        #expect(try memory.prune(olderThanMs: 5_000) == 5)
        for _ in 0..<4 { try memory.storeEpisode(Self.draft("watch", reward: 0.5, success: true)) }
        #expect(try memory.prune(maxCount: 2) == 3)
        #expect(try memory.count() == 2)
    }

    @Test("a store embedded by another model is refused with both model ids, or re-embedded on request")
    func modelGuard() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        do {
            let memory = try Fixtures.reflexion(try Fixtures.open(dir, identity: identity), dimensions: 64)
            try memory.storeEpisode(Self.draft("watch", reward: 0.5, success: true))
        }
        let store = try Fixtures.open(dir, identity: identity)
        #expect { try Fixtures.reflexion(store, dimensions: 32) } throws: { error in
            guard let error = error as? HiveError else { return false }
            return error.code == .inconsistent && error.message.contains("64") && error.message.contains("32")
        }
        let reembedded = try Fixtures.reflexion(store, dimensions: 32, reembed: true)
        #expect(reembedded.space.dimensions == 32)
        #expect(try reembedded.retrieveRelevant(task: "watch", k: 1).count == 1)
    }
}
