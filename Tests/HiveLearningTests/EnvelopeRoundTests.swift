import HiveCore
import Testing

@testable import HiveLearning

/// The path a hub takes: twins train, sign their updates into envelopes; the hub verifies,
/// decodes, checks the update's twin id against the signer, aggregates and publishes.
@Suite("Updates through signed envelopes")
struct EnvelopeRoundTests {
    @Test("train → sign → verify → decode → aggregate → apply → pull")
    func fullRound() throws {
        let world = TestData.World(users: 5, itemCount: 40, topics: 4, perUser: 6, seed: 3)
        let model = try ItemFactorModel(itemCount: world.itemCount, rank: 4, seed: 1)
        let trainer = LocalTrainer(configuration: try TrainerConfiguration(epochs: 3, clipNorm: 1))
        var rng = SeededGenerator(seed: 2)
        var envelopes: [SignedEnvelope] = []
        var twins: [String: [UInt8]] = [:]  // twin id → signer key, as the hub's registry would hold
        for (index, user) in world.users.enumerated() {
            let node = NodeIdentity.generate()
            let twin = try TwinIdentity(userID: "user-\(index)", nodePublicKey: node.publicKey)
            twins[twin.twinID] = node.publicKey
            let clock = HybridLogicalClock(nodeID: node.nodeID)
            let out = try trainer.train(
                model: model, user: nil, interactions: user.interactions, twinID: twin.twinID, using: &rng)
            envelopes.append(
                try SignedEnvelope.sign(out.update, kind: .modelUpdate, stamp: clock.now(), identity: node))
        }

        // Hub side.
        var updates: [ModelUpdate] = []
        for envelope in envelopes {
            try envelope.verify()
            let update = try envelope.decodePayload(as: ModelUpdate.self)
            #expect(twins[update.twinID] == envelope.signer, "an update must come from its own twin's key")
            updates.append(update)
        }
        let round = try UpdateAggregator(rule: .normBounding(maxNorm: 1)).aggregate(updates, model: model)
        let next = try model.applying(round)
        var twinCopy = model
        try twinCopy.apply(try next.delta(since: model.version))
        #expect(twinCopy == next)
        #expect(round.twins.count == 5 && round.twins.allSatisfy { !$0.excluded })

        // Canonical JSON carries Float values exactly.
        let decoded = try envelopes[0].decodePayload(as: ModelUpdate.self)
        #expect(decoded == updates[0])
    }
}
