import HiveCore
import HiveVectors

/// The filterable fields of every indexed pattern, column-wise by row id.
///
/// A search turns its ``PatternFilter`` into a mask with one pass over these flat arrays (or over
/// the rows of the rarest tag), and the index's filter is then a single array load per candidate —
/// no dictionary lookup or reference counting in the scan's inner loop.
struct PatternColumns: Sendable {
    private(set) var live: [Bool] = []
    private var taskType: [UInt8] = []
    private var origin: [UInt8] = []
    private var alpha: [Double] = []
    private var beta: [Double] = []
    private var expires: [Int64] = []  // Int64.max: never
    private var rowsByTag: [String: Set<Int64>] = [:]
    private(set) var count = 0
    private(set) var expiring = 0

    static func code(_ type: Pattern.TaskType) -> UInt8 { UInt8(Pattern.TaskType.allCases.firstIndex(of: type) ?? 0) }
    static func code(_ origin: Pattern.Origin) -> UInt8 { origin == .local ? 0 : 1 }

    private mutating func grow(to rid: Int) {
        guard rid >= live.count else { return }
        let extra = max(rid + 1, live.count * 2) - live.count
        live += repeatElement(false, count: extra)
        taskType += repeatElement(0, count: extra)
        origin += repeatElement(0, count: extra)
        alpha += repeatElement(1, count: extra)
        beta += repeatElement(1, count: extra)
        expires += repeatElement(.max, count: extra)
    }

    mutating func insert(
        rid: Int64, taskType: Pattern.TaskType, origin: Pattern.Origin, tags: [String], alpha: Double, beta: Double,
        expiresMs: Int64?
    ) {
        let i = Int(rid)
        grow(to: i)
        if !live[i] { count += 1 }
        if expires[i] != .max { expiring -= 1 }
        live[i] = true
        self.taskType[i] = Self.code(taskType)
        self.origin[i] = Self.code(origin)
        self.alpha[i] = alpha
        self.beta[i] = beta
        expires[i] = expiresMs ?? .max
        if expiresMs != nil { expiring += 1 }
        for tag in tags { rowsByTag[tag, default: []].insert(rid) }
    }

    mutating func updateEvidence(rid: Int64, alpha: Double, beta: Double) {
        let i = Int(rid)
        guard i < live.count, live[i] else { return }
        self.alpha[i] = alpha
        self.beta[i] = beta
    }

    mutating func remove(rid: Int64, tags: [String]) {
        let i = Int(rid)
        guard i < live.count, live[i] else { return }
        live[i] = false
        count -= 1
        if expires[i] != .max { expiring -= 1 }
        expires[i] = .max
        for tag in tags {
            rowsByTag[tag]?.remove(rid)
            if rowsByTag[tag]?.isEmpty == true { rowsByTag[tag] = nil }
        }
    }

    private func passes(_ i: Int, _ filter: PatternFilter, typeCode: UInt8?, originCode: UInt8?, now: Int64) -> Bool {
        guard live[i], expires[i] > now else { return false }
        if let typeCode, taskType[i] != typeCode { return false }
        if let originCode, origin[i] != originCode { return false }
        if let minimum = filter.minSuccessRate, alpha[i] / (alpha[i] + beta[i]) < minimum { return false }
        return true
    }

    /// The index filter for `filter` at time `now`; `nil` when every live row passes.
    func vectorFilter(_ filter: PatternFilter, now: Int64) -> VectorFilter? {
        let conditions = filter != PatternFilter()
        if !conditions && expiring == 0 { return nil }
        let typeCode = filter.taskType.map(Self.code)
        let originCode = filter.origin.map(Self.code)
        var mask = [Bool](repeating: false, count: live.count)
        var allowed = 0
        if !filter.tags.isEmpty {
            let postings = filter.tags.map { rowsByTag[$0] ?? [] }
            guard let rarest = postings.min(by: { $0.count < $1.count }) else { return nil }
            for rid in rarest where postings.allSatisfy({ $0.contains(rid) }) {
                let i = Int(rid)
                if passes(i, filter, typeCode: typeCode, originCode: originCode, now: now) {
                    mask[i] = true
                    allowed += 1
                }
            }
        } else {
            for i in 0..<live.count where passes(i, filter, typeCode: typeCode, originCode: originCode, now: now) {
                mask[i] = true
                allowed += 1
            }
        }
        // Few survivors: hand the index the exact set so it scores only those.
        if allowed * 16 < count {
            var ids = Set<VectorID>(minimumCapacity: allowed)
            for i in mask.indices where mask[i] { ids.insert(VectorID(i)) }
            return .ids(ids)
        }
        let final = mask
        return .predicate { id in id >= 0 && id < final.count && final[Int(id)] }
    }
}
