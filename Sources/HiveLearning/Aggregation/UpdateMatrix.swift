import HiveCore

/// `rows` client vectors of equal length `columns`, stored row-major as `Float`: the dense
/// input every robust aggregation rule works on.
///
/// Construction validates the shape and that every value is finite, so the rules themselves
/// never see NaN or infinity and can use plain comparisons.
public struct UpdateMatrix: Sendable, Hashable {
    /// Number of client vectors.
    public let rows: Int
    /// Length of each vector.
    public let columns: Int
    /// Row-major values, `rows × columns` of them.
    public let values: [Float]

    /// Wraps `values` (row-major). Throws `dimension-mismatch` when the count is not
    /// `rows × columns`, `invalid-input` for an empty shape or a non-finite value.
    public init(rows: Int, columns: Int, values: [Float]) throws {
        guard rows > 0 else { throw HiveError(.invalidInput, "an update set must hold at least one update") }
        guard columns > 0 else { throw HiveError(.invalidInput, "updates must have at least one coordinate") }
        guard rows.multipliedReportingOverflow(by: columns) == (values.count, false) else {
            throw HiveError(
                .dimensionMismatch, "expected \(rows) × \(columns) values, got \(values.count)")
        }
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw HiveError(
                .invalidInput,
                "update \(index / columns) coordinate \(index % columns) is not finite (\(values[index]))")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Stacks `vectors`, which must all have the same length.
    public init(_ vectors: [[Float]]) throws {
        guard let first = vectors.first else {
            throw HiveError(.invalidInput, "an update set must hold at least one update")
        }
        var values: [Float] = []
        values.reserveCapacity(vectors.count * first.count)
        for (index, vector) in vectors.enumerated() {
            guard vector.count == first.count else {
                throw HiveError(
                    .dimensionMismatch,
                    "update \(index) has \(vector.count) coordinates; update 0 has \(first.count)")
            }
            values.append(contentsOf: vector)
        }
        try self.init(rows: vectors.count, columns: first.count, values: values)
    }

    /// Already-validated values (internal callers that built them from validated inputs).
    init(validatedRows rows: Int, columns: Int, values: [Float]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The `index`-th client vector.
    public func row(_ index: Int) -> ArraySlice<Float> {
        values[(index * columns)..<((index + 1) * columns)]
    }
}
