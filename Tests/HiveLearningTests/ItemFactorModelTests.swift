import Foundation
import HiveCore
import Testing

@testable import HiveLearning

@Suite("Item factor model")
struct ItemFactorModelTests {
    @Test("Codable round trip; decoding rejects bad shapes and versions")
    func codable() throws {
        let model = try ItemFactorModel(itemCount: 4, rank: 2, seed: 1)
        let data = try JSONEncoder().encode(model)
        #expect(try JSONDecoder().decode(ItemFactorModel.self, from: data) == model)

        let shortFactors =
            #"{"version":0,"item_count":2,"rank":2,"factors":[1,2,3],"biases":[0,0],"row_versions":[0,0]}"#
        #expect(throws: HiveError(.dimensionMismatch, "factors has 3 values; expected 2 × 2")) {
            try JSONDecoder().decode(ItemFactorModel.self, from: Data(shortFactors.utf8))
        }
        let futureRow = #"{"version":1,"item_count":1,"rank":1,"factors":[1],"biases":[0],"row_versions":[5]}"#
        #expect(throws: HiveError(.inconsistent, "row_versions[0] = 5 is newer than the model version 1")) {
            try JSONDecoder().decode(ItemFactorModel.self, from: Data(futureRow.utf8))
        }
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(ItemFactorModel.self, from: data.prefix(data.count / 2))
        }
        #expect(throws: HiveError.self) { try ItemFactorModel(itemCount: 0, rank: 2, seed: 1) }
        #expect(throws: HiveError.self) {
            try ItemFactorModel(version: 0, itemCount: 1, rank: 1, factors: [.nan], biases: [0])
        }
    }

    @Test("recommend ranks by score and leaves out known items")
    func recommend() throws {
        let model = try ItemFactorModel(
            version: 0, itemCount: 4, rank: 2, factors: [1, 0, 0, 1, 2, 0, -1, 0], biases: [0, 0, 0, 0.5])
        #expect(try model.recommend(user: [1, 0], k: 2) == [2, 0])
        #expect(try model.recommend(user: [1, 0], k: 2, excluding: [2]) == [0, 1])
        #expect(throws: HiveError.self) { try model.recommend(user: [1], k: 2) }
        #expect(throws: HiveError(.notFound, "item 9 is outside the model's 4 items")) { try model.row(9) }
    }

    @Test("deltas with gaps or the wrong shape are refused and leave the copy unchanged")
    func badDeltas() throws {
        var copy = try ItemFactorModel(itemCount: 3, rank: 1, seed: 1)
        let original = copy
        let gap = try ModelDelta(fromVersion: 2, toVersion: 3, rank: 1, rows: [ItemRow(item: 0, factors: [1], bias: 0)])
        #expect(throws: HiveError.self) { try copy.apply(gap) }
        let wide = try ModelDelta(
            fromVersion: 0, toVersion: 1, rank: 2, rows: [ItemRow(item: 0, factors: [1, 2], bias: 0)])
        #expect(throws: HiveError.self) { try copy.apply(wide) }
        let outside = try ModelDelta(
            fromVersion: 0, toVersion: 1, rank: 1, rows: [ItemRow(item: 7, factors: [1], bias: 0)])
        #expect(throws: HiveError.self) { try copy.apply(outside) }
        #expect(copy == original)
        #expect(throws: HiveError.self) {
            try ModelDelta(
                fromVersion: 0, toVersion: 1, rank: 1, rows: [ItemRow(item: 0, factors: [.infinity], bias: 0)])
        }
    }
}
