import HiveCore

/// Relative weights of the operations, parsed from `push=0.7,pull=0.2,skills=0.1`.
/// Request `i` gets its operation from a low-discrepancy sequence, so every prefix of the run
/// follows the weights closely and the choice needs no shared random state.
public struct LoadMix: Sendable, Hashable, Codable, CustomStringConvertible {
    public private(set) var weights: [LoadOperation: Double]
    private var cumulative: [(LoadOperation, Double)] = []

    public static let defaultSync = try! LoadMix(parsing: "push=0.7,pull=0.3")
    public static let skillsOnly = try! LoadMix(parsing: "skills=1")

    /// Parses `name=weight,…`; names are push, pull, skills; weights finite and ≥ 0 with a positive sum.
    public init(parsing text: String) throws {
        var weights: [LoadOperation: Double] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw HiveError(.invalidInput, "mix entry \"\(part.prefix(40))\" is not name=weight") }
            let name = pair[0].trimmingCharacters(in: .whitespaces)
            guard let operation = LoadOperation(rawValue: name) else {
                throw HiveError(.invalidInput, "unknown mix operation \"\(name.prefix(40))\" (use push, pull, skills)")
            }
            guard let weight = Double(pair[1].trimmingCharacters(in: .whitespaces)), weight.isFinite, weight >= 0 else {
                throw HiveError(.invalidInput, "mix weight for \(name) must be a finite number ≥ 0")
            }
            guard weights[operation] == nil else { throw HiveError(.invalidInput, "mix names \(name) twice") }
            weights[operation] = weight
        }
        let total = weights.values.reduce(0, +)
        guard total > 0 else { throw HiveError(.invalidInput, "mix weights must sum to more than 0") }
        self.weights = weights.mapValues { $0 / total }
        var running = 0.0
        for operation in LoadOperation.allCases {
            guard let weight = self.weights[operation], weight > 0 else { continue }
            running += weight
            cumulative.append((operation, running))
        }
    }

    /// The operation of request `index`.
    public func operation(for index: Int) -> LoadOperation {
        // Weyl sequence with the golden ratio: equidistributed in [0, 1).
        let u = (Double(index) * 0.618_033_988_749_894_9).truncatingRemainder(dividingBy: 1)
        for (operation, bound) in cumulative where u < bound { return operation }
        return cumulative[cumulative.count - 1].0
    }

    public var description: String {
        LoadOperation.allCases.compactMap { op in weights[op].map { "\(op.rawValue)=\(($0 * 1000).rounded() / 1000)" } }
            .joined(separator: ",")
    }

    public static func == (lhs: LoadMix, rhs: LoadMix) -> Bool { lhs.weights == rhs.weights }
    public func hash(into hasher: inout Hasher) { hasher.combine(weights) }

    enum CodingKeys: String, CodingKey { case weights }
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
