import Foundation
import HiveCore
import Testing
@testable import HiveTwin

@Suite("SkillLibrary")
struct SkillLibraryTests {
    @Test("names are unique; a new description is a new version linked to the old one")
    func versions() throws {
        let dir = TemporaryDirectory()
        let skills = try Fixtures.skills(try Fixtures.open(dir))
        let v1 = try skills.upsert(name: "evening thriller", description: "pick a short thriller after 9pm")
        #expect(try skills.upsert(name: "evening thriller", description: "pick a short thriller after 9pm") == v1)
        let v2 = try skills.upsert(name: "evening thriller", description: "pick a thriller under 100 minutes after 9pm")
        #expect(v2.version == 2 && v2.parentID == v1.id && v2.id != v1.id)
        #expect(try skills.history(name: "evening thriller").map(\.id) == [v1.id, v2.id])
        #expect(try skills.skill(named: "evening thriller") == v2)
        #expect(try skills.search(query: "thriller at night", k: 5).map(\.skill.id) == [v2.id])  // only the current version
    }

    @Test("recordUse updates statistics; bad rewards and unknown ids throw and write nothing")
    func uses() throws {
        let dir = TemporaryDirectory()
        let skills = try Fixtures.skills(try Fixtures.open(dir))
        let skill = try skills.upsert(name: "weekend comedy", description: "light comedy on saturday")
        _ = try skills.recordUse(skillID: skill.id, success: true, reward: 1.0)
        let after = try skills.recordUse(skillID: skill.id, success: false, reward: 0.5)
        #expect(after.uses == 2 && after.successRate == 0.5 && after.meanReward == 0.75)
        for reward in [Double.nan, 1.01, -1] {
            #expect { try skills.recordUse(skillID: skill.id, success: true, reward: reward) } throws: {
                ($0 as? HiveError)?.code == .invalidInput
            }
        }
        #expect { try skills.recordUse(skillID: "missing", success: true, reward: 0.5) } throws: { ($0 as? HiveError)?.code == .notFound }
        #expect(try skills.skill(named: "weekend comedy") == after)
    }

    @Test("search ranks by the documented score and honours minSuccessRate")
    func ranking() throws {
        let dir = TemporaryDirectory()
        let skills = try Fixtures.skills(try Fixtures.open(dir))
        let proven = try skills.upsert(name: "thriller night a", description: "thriller movie for the night")
        let untried = try skills.upsert(name: "thriller night b", description: "thriller movie for the night")
        _ = try skills.upsert(name: "gardening", description: "water the tomatoes")
        for _ in 0..<20 { _ = try skills.recordUse(skillID: proven.id, success: true, reward: 0.9) }
        let results = try skills.search(query: "thriller movie for the night", k: 3)
        #expect(results.first?.skill.id == proven.id)
        #expect(results.map(\.skill.id).contains(untried.id))
        for match in results {
            #expect(abs(match.score - SkillLibrary.score(match.skill, similarity: match.similarity)) < 1e-12)
        }
        #expect(zip(results, results.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(try skills.search(query: "thriller movie for the night", k: 3, minSuccessRate: 0.5).map(\.skill.id) == [proven.id])
    }

    @Test("consolidation: tasks with ≥ 3 attempts and mean reward ≥ 0.7 in the window become skills with their episodes as provenance")
    func consolidation() throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let store = try Fixtures.open(dir, clock: clock)
        let memory = try Fixtures.reflexion(store)
        let skills = try Fixtures.skills(store)
        func add(_ task: String, _ rewards: [Double]) throws -> [Episode] {
            try memory.storeEpisodes(rewards.map {
                EpisodeDraft(sessionID: "s", task: task, input: "i", output: "o", reward: $0, success: $0 >= 0.5)
            })
        }
        _ = try add("old task", [0.9, 0.9, 0.9])
        clock.advance(10 * 86_400_000)
        let good = try add("late thriller", [0.9, 0.8, 0.7])
        _ = try add("too few", [1.0, 1.0])
        _ = try add("low reward", [0.9, 0.5, 0.4])
        let made = try skills.consolidate(reflexion: memory, windowMs: 86_400_000)
        #expect(made.map(\.name) == ["late thriller"])
        let skill = try #require(made.first)
        #expect(skill.sourceEpisodeIDs == good.map(\.id))
        #expect(skill.uses == 3 && abs(skill.meanReward - 0.8) < 1e-9 && skill.successRate == 1)
        #expect(try skills.consolidate(reflexion: memory, windowMs: 86_400_000).isEmpty)  // nothing new
        let more = try add("late thriller", [1.0])
        let next = try skills.consolidate(reflexion: memory, windowMs: 86_400_000)
        #expect(next.first?.version == 2 && next.first?.parentID == skill.id)
        #expect(next.first?.sourceEpisodeIDs == good.map(\.id) + more.map(\.id))
        #expect { try skills.consolidate(reflexion: memory, windowMs: 1, minMeanReward: .nan) } throws: {
            ($0 as? HiveError)?.code == .invalidInput
        }
    }
}
