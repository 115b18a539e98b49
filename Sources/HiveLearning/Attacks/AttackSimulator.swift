import HiveCore

/// Applies an ``Attack`` to dense or sparse update sets, and fabricates Sybil identities.
public enum AttackSimulator {
    /// Returns `matrix` with the rows in `attackers` replaced by malicious vectors. Statistics
    /// ALIE and IPM need come from the other (honest) rows; with no honest row they use the
    /// attackers' own.
    public static func apply(
        _ attack: Attack, to matrix: UpdateMatrix, attackers: Set<Int>, using rng: inout some RandomNumberGenerator
    ) throws -> UpdateMatrix {
        try attack.validate()
        if let bad = attackers.first(where: { !(0..<matrix.rows).contains($0) }) {
            throw HiveError(.invalidInput, "attacker index \(bad) is outside the \(matrix.rows) updates")
        }
        let honest = (0..<matrix.rows).filter { !attackers.contains($0) }
        let reference = honest.isEmpty ? Array(attackers).sorted() : honest
        let stats = Statistics(matrix, rows: reference)
        let f = attackers.count
        var values = matrix.values
        for a in attackers.sorted() {
            let own = Array(matrix.row(a))
            let forged = forge(attack, own: own, stats: stats, clients: matrix.rows, attackers: f, using: &rng)
            values.replaceSubrange((a * matrix.columns)..<((a + 1) * matrix.columns), with: forged)
        }
        return try UpdateMatrix(rows: matrix.rows, columns: matrix.columns, values: values)
    }

    /// Returns `updates` with the updates of the twins in `attackers` rewritten row by row.
    /// For each item row an attacker sent, honest statistics come from the honest twins that
    /// sent the same row (the attacker's own row when none did).
    public static func apply(
        _ attack: Attack, to updates: [ModelUpdate], attackers: Set<String>, using rng: inout some RandomNumberGenerator
    ) throws -> [ModelUpdate] {
        try attack.validate()
        var honestRows: [Int: [[Float]]] = [:]
        for update in updates where !attackers.contains(update.twinID) {
            for row in update.rows { honestRows[row.item, default: []].append(row.flattened) }
        }
        let f = updates.filter { attackers.contains($0.twinID) }.count
        // Honest statistics per item, computed once per item and only for the attacks that use them.
        let needsStatistics: Bool
        switch attack {
        case .alie, .ipm: needsStatistics = true
        case .signFlip, .scaling, .gaussianNoise: needsStatistics = false
        }
        var cache: [Int: Statistics] = [:]
        return try updates.map { update in
            guard attackers.contains(update.twinID) else { return update }
            let rows = try update.rows.map { row -> RowUpdate in
                let own = row.flattened
                let peers = honestRows[row.item]
                let stats: Statistics
                if !needsStatistics {
                    stats = Statistics(mean: [], std: [])
                } else if let peers, let cached = cache[row.item] {
                    stats = cached
                } else {
                    let matrix = try UpdateMatrix(peers ?? [own])
                    stats = Statistics(matrix, rows: Array(0..<matrix.rows))
                    if peers != nil { cache[row.item] = stats }
                }
                let forged = forge(
                    attack, own: own, stats: stats, clients: (peers?.count ?? 1) + f, attackers: f, using: &rng)
                return RowUpdate(item: row.item, factors: Array(forged[0..<update.rank]), bias: forged[update.rank])
            }
            return try ModelUpdate(
                twinID: update.twinID, baseVersion: update.baseVersion, rank: update.rank, rows: rows,
                interactionCount: update.interactionCount)
        }
    }

    /// `count` Sybil copies of `update` under twin ids "`idPrefix`-0", "`idPrefix`-1", …, each
    /// coordinate jittered by N(0, jitter²) so exact-duplicate detection does not catch them.
    public static func sybils(
        of update: ModelUpdate, count: Int, idPrefix: String, jitter: Float = 0,
        using rng: inout some RandomNumberGenerator
    ) throws -> [ModelUpdate] {
        guard (1...100_000).contains(count) else {
            throw HiveError(.invalidInput, "Sybil count must be in 1…100000, got \(count)")
        }
        guard jitter.isFinite, jitter >= 0 else {
            throw HiveError(.invalidInput, "jitter must be finite and ≥ 0, got \(jitter)")
        }
        return try (0..<count).map { index in
            let rows = update.rows.map { row in
                RowUpdate(
                    item: row.item, factors: row.factors.map { $0 + jitter * Float(rng.nextGaussian()) },
                    bias: row.bias + jitter * Float(rng.nextGaussian()))
            }
            return try ModelUpdate(
                twinID: "\(idPrefix)-\(index)", baseVersion: update.baseVersion, rank: update.rank, rows: rows,
                interactionCount: update.interactionCount)
        }
    }

    /// ALIE's z_max (Baruch et al. 2019): with s = ⌊n/2 + 1⌋ − f supporters needed,
    /// z = Φ⁻¹((n − s)/n).
    public static func alieZ(clients n: Int, byzantine f: Int) -> Double {
        let s = n / 2 + 1 - f
        let p = Double(n - s) / Double(max(1, n))
        return Normal.quantile(min(max(p, 1e-9), 1 - 1e-9))
    }

    static func forge(
        _ attack: Attack, own: [Float], stats: Statistics, clients: Int, attackers: Int,
        using rng: inout some RandomNumberGenerator
    ) -> [Float] {
        switch attack {
        case .signFlip(let scale):
            return own.map { -scale * $0 }
        case .scaling(let factor):
            return own.map { factor * $0 }
        case .gaussianNoise(let sigma):
            return own.map { _ in sigma * Float(rng.nextGaussian()) }
        case .alie(let z):
            let zz = Float(z ?? alieZ(clients: clients, byzantine: attackers))
            return zip(stats.mean, stats.std).map { $0 - zz * $1 }
        case .ipm(let epsilon):
            return stats.mean.map { -epsilon * $0 }
        }
    }

    /// Per-coordinate mean and (population) standard deviation over some rows.
    struct Statistics {
        var mean: [Float]
        var std: [Float]

        init(mean: [Float], std: [Float]) {
            self.mean = mean
            self.std = std
        }

        init(_ matrix: UpdateMatrix, rows: [Int]) {
            let d = matrix.columns
            var sum = [Double](repeating: 0, count: d)
            var squares = [Double](repeating: 0, count: d)
            for r in rows {
                let base = r * d
                for c in 0..<d {
                    let v = Double(matrix.values[base + c])
                    sum[c] += v
                    squares[c] += v * v
                }
            }
            let n = Double(max(1, rows.count))
            mean = sum.map { Float($0 / n) }
            std = zip(sum, squares).map { s, q in Float(max(0, q / n - (s / n) * (s / n)).squareRoot()) }
        }
    }
}

extension AttackSimulator {
    /// An attack on federated ALS statistics (``WALSStatistics``), applied where a sender has
    /// freedom once the hub checks the statistics' structure
    /// (``WALSStatistics/decompose(_:itemCount:tolerance:)``): the attacker's user vector. Each
    /// attacker's x is forged as the attack says — −s·x (sign flip), f·x (scaling), N(0, σ²)
    /// (noise), μ − z·σ of the honest twins' vectors (ALIE), −ε·μ (IPM) — and valid statistics
    /// are rebuilt from it for the attacker's own items and confidences. (Forging the raw rows
    /// instead yields statistics no user vector produces, which the hub's check refuses.)
    public static func apply(
        _ attack: Attack, toStatistics updates: [ModelUpdate], attackers: Set<String>, model: ItemFactorModel,
        using rng: inout some RandomNumberGenerator
    ) throws -> [ModelUpdate] {
        try attack.validate()
        let layout = WALSStatistics(rank: model.rank)
        let parts = try updates.map { try layout.decompose($0, itemCount: model.itemCount) }
        let honest = updates.indices.filter { !attackers.contains(updates[$0].twinID) }
        let reference = honest.isEmpty ? Array(updates.indices) : honest
        let vectors = try UpdateMatrix(reference.map { parts[$0].user.map(Float.init) })
        let stats = Statistics(vectors, rows: Array(0..<vectors.rows))
        let f = updates.count - honest.count
        return try updates.enumerated().map { index, update in
            guard attackers.contains(update.twinID) else { return update }
            var forged = parts[index]
            forged.user = forge(
                attack, own: parts[index].user.map(Float.init), stats: stats, clients: updates.count, attackers: f,
                using: &rng
            ).map(Double.init)
            return try layout.compose(
                forged, twinID: update.twinID, baseVersion: update.baseVersion, itemCount: model.itemCount,
                interactionCount: update.interactionCount)
        }
    }
}
