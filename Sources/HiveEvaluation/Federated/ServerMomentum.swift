import HiveLearning

/// The hub-side velocity of FedAvgM: per item row, `v ← β·v + fused`, and the round applied is
/// `v` rather than the fused delta alone. With β = 0 it passes rounds through unchanged.
struct ServerMomentum {
    let beta: Float
    let width: Int
    private var velocity: [Float]
    /// Items whose velocity is non-zero, so a round only touches rows that are moving.
    private var active = Set<Int>()

    init(itemCount: Int, rank: Int, beta: Float) {
        self.beta = beta
        width = rank + 1
        velocity = beta > 0 ? [Float](repeating: 0, count: itemCount * (rank + 1)) : []
    }

    /// The round to apply: the fused rows plus β times every row's previous velocity.
    mutating func step(_ round: AggregationRound) -> AggregationRound {
        guard beta > 0 else { return round }
        let rank = width - 1
        for item in active { for k in 0..<width { velocity[item * width + k] *= beta } }
        for row in round.rows {
            let base = row.item * width
            for k in 0..<rank { velocity[base + k] += row.factors[k] }
            velocity[base + rank] += row.bias
            active.insert(row.item)
        }
        var rows: [RowUpdate] = []
        rows.reserveCapacity(active.count)
        for item in active.sorted() {
            let base = item * width
            let values = velocity[base..<(base + width)]
            // A row that has decayed to nothing leaves the active set (and the round).
            if values.allSatisfy({ abs($0) < 1e-9 }) {
                active.remove(item)
                continue
            }
            rows.append(RowUpdate(item: item, factors: Array(values.prefix(rank)), bias: values[base + rank]))
        }
        return AggregationRound(baseVersion: round.baseVersion, rule: round.rule, rows: rows, twins: round.twins)
    }
}
