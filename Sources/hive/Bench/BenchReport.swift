import Foundation

/// One measured figure in the benchmark contract of the architecture brief.
///
/// `ratio` is always "bigger is better for Hive": ours ÷ anchor for rates,
/// anchor ÷ ours for times (set `lowerIsBetter`).
struct BenchMetric: Codable, Sendable {
    var name: String
    var value: Double
    var unit: String
    var anchor: String?
    var anchorValue: Double?
    var ratio: Double?
    var target: Double?
    var ok: Bool?

    enum CodingKeys: String, CodingKey {
        case name, value, unit, anchor, ratio, target, ok
        case anchorValue = "anchor_value"
    }

    /// A figure with no anchor; `target` (if any) is an absolute goal compared with `value`.
    init(_ name: String, _ value: Double, unit: String, target: Double? = nil, lowerIsBetter: Bool = false) {
        self.name = name
        self.value = value
        self.unit = unit
        self.target = target
        if let target {
            ok = lowerIsBetter ? value <= target : value >= target
        }
    }

    /// A figure compared with an anchor measured in the same run; `target` is a ratio goal.
    init(
        _ name: String, _ value: Double, unit: String, anchor: String, anchorValue: Double?,
        target: Double? = nil, lowerIsBetter: Bool = false
    ) {
        self.name = name
        self.value = value
        self.unit = unit
        self.anchor = anchor
        self.anchorValue = anchorValue
        if let anchorValue, anchorValue > 0, value > 0 {
            let ratio = lowerIsBetter ? anchorValue / value : value / anchorValue
            self.ratio = ratio
            if let target { ok = ratio >= target }
        }
        self.target = target
    }
}

/// The benchmark contract: `{"bench", "params", "metrics": [...]}`, printed as a table and
/// optionally written as JSON.
struct BenchReport: Codable, Sendable {
    var bench: String
    var params: [String: String]
    var metrics: [BenchMetric] = []

    init(bench: String, params: [String: String]) {
        self.bench = bench
        self.params = params
    }

    mutating func add(_ metric: BenchMetric) {
        metrics.append(metric)
        print(Self.row(metric))
    }

    /// Prints the whole table (header plus rows).
    func printTable() {
        print("bench \(bench)  " + params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        print(Self.header)
        for metric in metrics { print(Self.row(metric)) }
    }

    static let header = pad("metric", 44) + pad("value", 16) + pad("unit", 10) + pad("anchor", 26)
        + pad("anchor value", 16) + pad("ratio", 8) + pad("target", 8) + "ok"

    static func row(_ m: BenchMetric) -> String {
        pad(m.name, 44) + pad(format(m.value), 16) + pad(m.unit, 10) + pad(m.anchor ?? "-", 26)
            + pad(m.anchorValue.map(format) ?? "-", 16) + pad(m.ratio.map { String(format: "%.2f", $0) } ?? "-", 8)
            + pad(m.target.map(format) ?? "-", 8) + (m.ok.map { $0 ? "yes" : "NO" } ?? "-")
    }

    /// Writes the report as JSON to `path`.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    private static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e12 { return String(Int64(v)) }
        if abs(v) >= 100 { return String(format: "%.1f", v) }
        return String(format: "%.4g", v)
    }
}
