import HiveCore
import HiveLearning

extension AggregationRule {
    /// The rule names `hive serve --aggregation-rule` and hive.json's `aggregationRule` accept.
    public static let textForms = [
        "weighted-mean", "median", "trimmed-mean(β)", "krum(f)", "multi-krum(f)",
        "centered-clipping(radius|median,iterations)", "norm-bounding(maxNorm)", "median-norm-bounding(multiple)",
    ]

    /// The rule in the form `/stats` prints and ``init(text:)`` reads, e.g. `median-norm-bounding(1.0)`.
    public var text: String { LearningAggregationEngine.describe(self) }

    /// Parses `name` or `name(arguments)` (see ``textForms``) and validates the parameters;
    /// throws `invalid-input` saying what was expected.
    public init(text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let name: String
        var arguments: [String] = []
        if let open = trimmed.firstIndex(of: "(") {
            guard trimmed.hasSuffix(")"), trimmed.count <= 128 else {
                throw HiveError(.invalidInput, "aggregation rule \"\(text.prefix(64))\" must look like name(arguments)")
            }
            name = String(trimmed[..<open])
            arguments = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
                .split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            name = trimmed
        }
        func number(_ index: Int, _ what: String) throws -> Double {
            guard index < arguments.count, let value = Double(arguments[index]), value.isFinite else {
                throw HiveError(
                    .invalidInput,
                    "aggregation rule \(name) needs \(what) as a number, e.g. \(name)(\(Self.example(name)))")
            }
            return value
        }
        func arity(_ count: Int) throws {
            guard arguments.count == count else {
                throw HiveError(
                    .invalidInput,
                    count == 0
                        ? "aggregation rule \(name) takes no arguments"
                        : "aggregation rule \(name) takes \(count) argument\(count == 1 ? "" : "s"), e.g. \(name)(\(Self.example(name)))"
                )
            }
        }
        let rule: AggregationRule
        switch name {
        case "weighted-mean", "mean":
            try arity(0)
            rule = .weightedMean
        case "median":
            try arity(0)
            rule = .median
        case "trimmed-mean":
            try arity(1)
            rule = .trimmedMean(beta: try number(0, "the trimmed fraction β"))
        case "krum":
            try arity(1)
            rule = .krum(byzantine: try number(0, "the Byzantine fraction f"))
        case "multi-krum":
            try arity(1)
            rule = .multiKrum(byzantine: try number(0, "the Byzantine fraction f"))
        case "centered-clipping":
            try arity(2)
            let radius: Double? = arguments[0] == "median" ? nil : try number(0, "the radius (or median)")
            guard let iterations = Int(arguments[1]) else {
                throw HiveError(
                    .invalidInput,
                    "aggregation rule centered-clipping needs an integer iteration count, e.g. centered-clipping(median,3)"
                )
            }
            rule = .centeredClipping(radius: radius, iterations: iterations)
        case "norm-bounding":
            try arity(1)
            rule = .normBounding(maxNorm: try number(0, "the norm bound"))
        case "median-norm-bounding":
            try arity(1)
            rule = .medianNormBounding(multiple: try number(0, "the multiple of the round's median update norm"))
        default:
            throw HiveError(
                .invalidInput,
                "unknown aggregation rule \"\(name.prefix(64))\"; expected one of \(Self.textForms.joined(separator: ", "))"
            )
        }
        try rule.validate()
        self = rule
    }

    private static func example(_ name: String) -> String {
        switch name {
        case "trimmed-mean": "0.1"
        case "krum", "multi-krum": "0.2"
        case "centered-clipping": "median,3"
        default: "1.0"
        }
    }
}
