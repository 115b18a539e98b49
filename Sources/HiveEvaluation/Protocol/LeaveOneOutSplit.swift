import HiveCore
import HiveLearning

/// The NCF protocol (He et al. 2017): per user the latest interaction is held out and ranked
/// among `negativeCount` sampled items the user never interacted with.
///
/// Ties in time are broken by the larger item index, so the split is a pure function of the
/// data and the seed. Users with fewer than 2 interactions are skipped and counted.
public struct LeaveOneOutSplit: Sendable {
    /// One user's test case.
    public struct TestCase: Sendable, Hashable {
        public var user: Int32
        public var heldOut: Int32
        /// Items the user never interacted with (train or test), sampled without replacement.
        public var negatives: [Int32]
    }

    public let userCount: Int
    public let itemCount: Int
    /// Training items per user, oldest first (empty for skipped users).
    public let train: [[Int32]]
    /// Training timestamps per user, aligned with `train`.
    public let trainTimes: [[Int64]]
    public let tests: [TestCase]
    /// Users skipped for having fewer than 2 distinct interactions.
    public let skippedUsers: Int

    /// Splits `dataset`; repeated interactions with one item count once (the latest is kept).
    public init(_ dataset: InteractionDataset, negativeCount: Int = 99, seed: UInt64) throws {
        guard negativeCount >= 1 else { throw HiveError(.invalidInput, "negative count must be ≥ 1") }
        var perUser = [[InteractionDataset.Interaction]](repeating: [], count: dataset.userCount)
        for interaction in dataset.interactions { perUser[Int(interaction.user)].append(interaction) }
        var rng = SeededGenerator(seed: seed)
        var train = [[Int32]](repeating: [], count: dataset.userCount)
        var trainTimes = [[Int64]](repeating: [], count: dataset.userCount)
        var tests: [TestCase] = []
        var skipped = 0
        var seen = [Bool](repeating: false, count: dataset.itemCount)
        for user in 0..<dataset.userCount {
            // Latest event per item, then chronological order with the item index as tiebreak.
            var latest: [Int32: Int64] = [:]
            for event in perUser[user] { latest[event.item] = max(latest[event.item] ?? .min, event.timestamp) }
            let ordered = latest.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
            guard ordered.count >= 2 else {
                skipped += 1
                continue
            }
            let heldOut = ordered[ordered.count - 1].key
            train[user] = ordered.dropLast().map(\.key)
            trainTimes[user] = ordered.dropLast().map(\.value)
            for (item, _) in ordered { seen[Int(item)] = true }
            let available = dataset.itemCount - ordered.count
            guard available >= negativeCount else {
                throw HiveError(.invalidInput, "user \(dataset.userIDs[user]) has only \(available) unseen items; need \(negativeCount) negatives")
            }
            var negatives: [Int32] = []
            negatives.reserveCapacity(negativeCount)
            var chosen = Set<Int32>()
            while negatives.count < negativeCount {
                let candidate = Int32(rng.next() % UInt64(dataset.itemCount))
                if seen[Int(candidate)] || chosen.contains(candidate) { continue }
                chosen.insert(candidate)
                negatives.append(candidate)
            }
            for (item, _) in ordered { seen[Int(item)] = false }
            tests.append(TestCase(user: Int32(user), heldOut: heldOut, negatives: negatives))
        }
        self.userCount = dataset.userCount
        self.itemCount = dataset.itemCount
        self.train = train
        self.trainTimes = trainTimes
        self.tests = tests
        self.skippedUsers = skipped
    }

    /// A split from its parts (used to carve the validation split).
    init(userCount: Int, itemCount: Int, train: [[Int32]], trainTimes: [[Int64]], tests: [TestCase], skippedUsers: Int) {
        self.userCount = userCount
        self.itemCount = itemCount
        self.train = train
        self.trainTimes = trainTimes
        self.tests = tests
        self.skippedUsers = skippedUsers
    }

    /// The same split with every user's training history cut to its first `limit` interactions
    /// (the "personalisation within N interactions" check).
    public func truncatingHistories(to limit: Int) -> [[Int32]] {
        train.map { Array($0.prefix(limit)) }
    }

    /// Every user's training history cut to its latest `limit` interactions: a newcomer with as
    /// much data as ``truncatingHistories(to:)`` leaves, but recent. The gap between the two
    /// measures how far a user's taste drifts from their first interactions to their last.
    public func recentHistories(_ limit: Int) -> [[Int32]] {
        train.map { Array($0.suffix(limit)) }
    }
}
