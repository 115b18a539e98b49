import HiveCore
import HiveLearning

/// The cold-start protocol for "personalisation within N interactions": a seeded fold of users
/// is held out of training entirely; each of them joins as a newcomer with only their first N
/// interactions (by time) and must rank their next one — the (N+1)-th — among sampled items
/// they never interacted with. The comparison is the remaining (warm) users' leave-one-out
/// figure on a model trained without the newcomers.
///
/// Why this shape: a newcomer's item factors must not have been trained on the newcomer's own
/// history (that would be leakage, not personalisation), and the item to predict is the one
/// that actually follows the N interactions the newcomer has, not an item rated months later
/// (that would measure taste drift, not how fast the system personalises).
///
/// Users with fewer than N+1 distinct interactions cannot be newcomers; they stay warm and are
/// counted in `ineligibleUsers`.
public struct ColdStartSplit: Sendable {
    /// The split to train on: the original with every newcomer's training history emptied and
    /// their test case removed, so no system trained on it ever sees a newcomer's interaction.
    public let warm: LeaveOneOutSplit
    /// The newcomers' task as a split: `train` holds each newcomer's first N interactions (empty
    /// for everyone else), `tests` their (N+1)-th interaction with its sampled negatives.
    public let newcomers: LeaveOneOutSplit
    /// The newcomers' latest interaction with the original split's negatives (the leave-one-out
    /// test item), to show how the same N-interaction vector fares on an item rated much later.
    public let newcomersLatest: LeaveOneOutSplit
    /// The same-target control: each newcomer's latest item (with the original negatives),
    /// ranked from the N interactions just before it — a newcomer with N interactions whose next
    /// item is exactly the one ``newcomersFull`` ranks from the whole history.
    public let newcomersRecent: LeaveOneOutSplit
    /// The reference for ``newcomersRecent``: the newcomer's whole history before the latest
    /// item, fitted the same way against the same model (the user still never trained it).
    public let newcomersFull: LeaveOneOutSplit
    /// Which fold of how many this is.
    public let fold: Int
    public let folds: Int
    /// Interactions each newcomer starts with.
    public let interactions: Int
    /// Users that could not be newcomers (fewer than `interactions + 1` distinct interactions).
    public let ineligibleUsers: Int

    /// Holds out fold `fold` of `folds` (eligible users shuffled by `seed`, cut into `folds`
    /// near-equal parts, so the folds together hold every eligible user out exactly once).
    public init(
        _ split: LeaveOneOutSplit, fold: Int, folds: Int, interactions: Int = 10, negativeCount: Int = 99, seed: UInt64
    ) throws {
        guard folds >= 2, folds <= 100 else { throw HiveError(.invalidInput, "cold-start folds must be in 2…100, got \(folds)") }
        guard (0..<folds).contains(fold) else { throw HiveError(.invalidInput, "fold \(fold) is outside 0..<\(folds)") }
        guard interactions >= 1 else { throw HiveError(.invalidInput, "newcomers need at least one interaction") }
        guard negativeCount >= 1 else { throw HiveError(.invalidInput, "negative count must be ≥ 1") }
        // A user's whole history, oldest first: the training items then the held-out (latest) one.
        let eligible = split.tests.filter { split.train[Int($0.user)].count + 1 >= interactions + 1 }
        var rng = SeededGenerator(seed: seed ^ 0x434F_4C44_5354_5254)  // "COLDSTRT": distinct from the split's streams
        let shuffled = eligible.shuffled(using: &rng)
        let lower = shuffled.count * fold / folds, upper = shuffled.count * (fold + 1) / folds
        let held = shuffled[lower..<upper].sorted { $0.user < $1.user }
        guard !held.isEmpty else {
            throw HiveError(.invalidInput, "no user has \(interactions + 1) interactions to hold out (fold \(fold) of \(folds))")
        }
        let heldUsers = Set(held.map(\.user))

        var warmTrain = split.train, warmTimes = split.trainTimes
        var first = [[Int32]](repeating: [], count: split.userCount)
        var firstTimes = [[Int64]](repeating: [], count: split.userCount)
        var nextTests: [LeaveOneOutSplit.TestCase] = []
        var seen = [Bool](repeating: false, count: split.itemCount)
        for test in held {
            let user = Int(test.user)
            let history = split.train[user] + [test.heldOut]
            first[user] = Array(history.prefix(interactions))
            firstTimes[user] = Array(split.trainTimes[user].prefix(interactions))
            let next = history[interactions]
            // Negatives avoid everything the user ever interacted with, as the leave-one-out split does.
            for item in history { seen[Int(item)] = true }
            guard split.itemCount - history.count >= negativeCount else {
                throw HiveError(.invalidInput, "user \(user) has only \(split.itemCount - history.count) unseen items; need \(negativeCount) negatives")
            }
            var negatives: [Int32] = []
            negatives.reserveCapacity(negativeCount)
            while negatives.count < negativeCount {
                let candidate = Int32(rng.next() % UInt64(split.itemCount))
                if seen[Int(candidate)] { continue }
                seen[Int(candidate)] = true  // without replacement
                negatives.append(candidate)
            }
            for item in history { seen[Int(item)] = false }
            for item in negatives { seen[Int(item)] = false }
            nextTests.append(.init(user: test.user, heldOut: next, negatives: negatives))
            warmTrain[user] = []
            warmTimes[user] = []
        }
        warm = LeaveOneOutSplit(
            userCount: split.userCount, itemCount: split.itemCount, train: warmTrain, trainTimes: warmTimes,
            tests: split.tests.filter { !heldUsers.contains($0.user) }, skippedUsers: split.skippedUsers)
        newcomers = LeaveOneOutSplit(
            userCount: split.userCount, itemCount: split.itemCount, train: first, trainTimes: firstTimes,
            tests: nextTests, skippedUsers: 0)
        newcomersLatest = LeaveOneOutSplit(
            userCount: split.userCount, itemCount: split.itemCount, train: first, trainTimes: firstTimes,
            tests: held, skippedUsers: 0)
        var recent = [[Int32]](repeating: [], count: split.userCount), full = recent
        var recentTimes = [[Int64]](repeating: [], count: split.userCount), fullTimes = recentTimes
        for test in held {
            let user = Int(test.user)
            recent[user] = Array(split.train[user].suffix(interactions))
            recentTimes[user] = Array(split.trainTimes[user].suffix(interactions))
            full[user] = split.train[user]
            fullTimes[user] = split.trainTimes[user]
        }
        newcomersRecent = LeaveOneOutSplit(
            userCount: split.userCount, itemCount: split.itemCount, train: recent, trainTimes: recentTimes,
            tests: held, skippedUsers: 0)
        newcomersFull = LeaveOneOutSplit(
            userCount: split.userCount, itemCount: split.itemCount, train: full, trainTimes: fullTimes,
            tests: held, skippedUsers: 0)
        self.fold = fold
        self.folds = folds
        self.interactions = interactions
        ineligibleUsers = split.tests.count - eligible.count
    }
}
