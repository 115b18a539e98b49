import HiveLearning

/// Scores with the matrix-factorisation model: `user · factors(item) + bias(item)`.
public struct FactorModelScorer: ItemScorer {
    public let model: ItemFactorModel
    /// Per dense user index, the user's private vector (nil: the user never trained).
    public let users: [[Float]?]

    public init(model: ItemFactorModel, users: [[Float]?]) {
        self.model = model
        self.users = users
    }

    public func scores(user: Int32, items: [Int32]) -> [Float] {
        guard let vector = users[Int(user)] else { return items.map { _ in 0 } }
        return items.map { model.score(user: vector, item: Int($0)) }
    }
}

/// What a twin can do alone: rank items by how well their genres match the genres of the
/// items its user already chose (cosine of genre profiles). No other user's data is used.
public struct ContentProfileScorer: ItemScorer {
    private let itemGenres: [[Float]]
    private let profiles: [[Float]]

    public init(dataset: InteractionDataset, train: [[Int32]]) {
        var vocabulary: [String: Int] = [:]
        for item in dataset.items { for genre in item.genres where vocabulary[genre] == nil { vocabulary[genre] = vocabulary.count } }
        let itemGenres = dataset.items.map { item -> [Float] in
            var vector = [Float](repeating: 0, count: vocabulary.count)
            for genre in item.genres { vector[vocabulary[genre]!] = 1 }  // every genre is in the vocabulary
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? vector.map { $0 / norm } : vector
        }
        self.itemGenres = itemGenres
        self.profiles = train.map { items in
            var profile = [Float](repeating: 0, count: vocabulary.count)
            for item in items { for (g, v) in itemGenres[Int(item)].enumerated() { profile[g] += v } }
            let norm = profile.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? profile.map { $0 / norm } : profile
        }
    }

    public func scores(user: Int32, items: [Int32]) -> [Float] {
        let profile = profiles[Int(user)]
        return items.map { item in zip(profile, itemGenres[Int(item)]).reduce(0) { $0 + $1.0 * $1.1 } }
    }
}
