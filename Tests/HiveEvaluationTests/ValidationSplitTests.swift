import Foundation
import HiveCore
import Testing

@testable import HiveEvaluation

@Suite("Validation split carved from training data")
struct ValidationSplitTests {
    @Test("holds out each user's latest training item, never touches the test item, and is deterministic")
    func carved() throws {
        let data = try ProtocolTests.dataset()
        let split = try LeaveOneOutSplit(data, negativeCount: 99, seed: 7)
        let validation = try split.validationSplit(seed: 7)
        // User 1 (29 training items) stays; user 2 has one training item left, so is skipped too.
        #expect(validation.tests.count == 1)
        #expect(validation.skippedUsers == split.skippedUsers + 1)
        for test in validation.tests {
            let user = Int(test.user)
            let original = try #require(split.tests.first { $0.user == test.user })
            #expect(test.heldOut == split.train[user].last)
            #expect(validation.train[user] == Array(split.train[user].dropLast()))
            #expect(validation.trainTimes[user].count == validation.train[user].count)
            #expect(!validation.train[user].contains(original.heldOut))
            let interacted = Set(data.interactions.filter { $0.user == test.user }.map(\.item))
            #expect(Set(test.negatives).isDisjoint(with: interacted))
            #expect(Set(test.negatives).count == 99)
        }
        let again = try split.validationSplit(seed: 7)
        #expect(again.tests == validation.tests)
        #expect(try split.validationSplit(seed: 8).tests != validation.tests)
        #expect(throws: HiveError.self) { try split.validationSplit(negativeCount: 0, seed: 7) }
    }
}
