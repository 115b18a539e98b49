/// The best `limit` scored traces seen so far (score descending, then older first).
struct TopScores {
    let limit: Int
    private var items: [ScoredTrace] = []

    init(limit: Int) {
        self.limit = limit
    }

    /// Whether `a` ranks before `b`.
    static func before(_ a: ScoredTrace, _ b: ScoredTrace) -> Bool {
        a.score != b.score ? a.score > b.score : a.seq < b.seq
    }

    /// The lowest score held once `limit` traces are held, else nil.
    /// Whether a trace with this score and feed position would be kept (checked before building one).
    func accepts(score: Double, seq: Int64) -> Bool {
        guard items.count >= limit, let last = items.last else { return true }
        return score != last.score ? score > last.score : seq < last.seq
    }

    /// Keeps `item` if it ranks among the best `limit` (insertion into a short sorted array).
    mutating func offer(_ item: ScoredTrace) {
        if items.count >= limit, let last = items.last, !Self.before(item, last) { return }
        var index = items.count
        while index > 0, Self.before(item, items[index - 1]) { index -= 1 }
        items.insert(item, at: index)
        if items.count > limit { items.removeLast() }
    }

    func sorted() -> [ScoredTrace] { items }
}
