import HiveCore
import HiveLearning

extension LeaveOneOutSplit {
    /// The validation split carved from training data only: per user the latest *training*
    /// interaction is held out and ranked among `negativeCount` items the user never interacted
    /// with; the rest of the training history is what systems train on. The test item is not
    /// trained on, scored or held out, so hyper-parameters chosen on this split never see it.
    ///
    /// Users left with fewer than 2 training interactions are skipped (and counted with the
    /// users the test split already skipped).
    public func validationSplit(negativeCount: Int = 99, seed: UInt64) throws -> LeaveOneOutSplit {
        guard negativeCount >= 1 else { throw HiveError(.invalidInput, "negative count must be ≥ 1") }
        var rng = SeededGenerator(seed: seed ^ 0x5641_4C49_4441_5445)  // "VALIDATE": distinct from the test negatives
        var train = [[Int32]](repeating: [], count: userCount)
        var trainTimes = [[Int64]](repeating: [], count: userCount)
        var tests: [TestCase] = []
        var skipped = skippedUsers
        var seen = [Bool](repeating: false, count: itemCount)
        for test in self.tests {
            let user = Int(test.user)
            let history = self.train[user]
            guard history.count >= 2, let heldOut = history.last else {
                skipped += 1
                continue
            }
            train[user] = Array(history.dropLast())
            trainTimes[user] = Array(self.trainTimes[user].dropLast())
            // Negatives avoid everything the user ever interacted with, as on the test split.
            let known = history + [test.heldOut]
            for item in known { seen[Int(item)] = true }
            guard itemCount - known.count >= negativeCount else {
                throw HiveError(.invalidInput, "user \(user) has only \(itemCount - known.count) unseen items; need \(negativeCount) negatives")
            }
            var negatives: [Int32] = []
            var chosen = Set<Int32>()
            while negatives.count < negativeCount {
                let candidate = Int32(rng.next() % UInt64(itemCount))
                if seen[Int(candidate)] || chosen.contains(candidate) { continue }
                chosen.insert(candidate)
                negatives.append(candidate)
            }
            for item in known { seen[Int(item)] = false }
            tests.append(TestCase(user: test.user, heldOut: heldOut, negatives: negatives))
        }
        return LeaveOneOutSplit(
            userCount: userCount, itemCount: itemCount, train: train, trainTimes: trainTimes, tests: tests,
            skippedUsers: skipped)
    }
}
