import HiveCore
import HiveLearning

extension FederatedSimulation {
    /// The twins of a run (one per test user), the attackers among them (drawn from `rng`, a
    /// `config.attackerFraction` share; also as twin ids), each twin's training interactions
    /// (label-flipped for attackers when `config.labelFlip`, also drawing from `rng`) and, when
    /// rounds are signed, one fresh identity per twin. Both trainers' runs start from it, so the
    /// same seed picks the same attackers and poisons the same data.
    func population(_ config: Configuration, using rng: inout SeededGenerator) throws -> (
        twins: [Int32], attackers: Set<Int32>, attackerIDs: Set<String>, interactions: [Int32: [Interaction]], identities: [Int32: NodeIdentity]
    ) {
        let twins = split.tests.map(\.user)
        let attackerCount = Int((config.attackerFraction * Double(twins.count)).rounded(.down))
        let attackers = Set(twins.shuffled(using: &rng).prefix(attackerCount))
        var interactions: [Int32: [Interaction]] = [:]
        for user in twins {
            var own = split.train[Int(user)].map { Interaction(item: Int($0), weight: 1) }
            if config.labelFlip, attackers.contains(user) {
                own = try PoisonedInteractions.labelFlip(own, itemCount: split.itemCount, using: &rng)
            }
            interactions[user] = own
        }
        let identities: [Int32: NodeIdentity] = config.signedRounds > 0
            ? Dictionary(uniqueKeysWithValues: twins.map { ($0, NodeIdentity.generate()) }) : [:]
        return (twins, attackers, Set(attackers.map { "u\($0)" }), interactions, identities)
    }
}
