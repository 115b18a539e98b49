import HiveCore
import HiveVectors

/// The filterable fields of every indexed pattern, column-wise by row id.
///
/// A search turns its ``PatternFilter`` into a bitmap by row id with one pass over these flat
/// arrays (or over the rows of the rarest tag); the exact index tests it before scoring a vector,
/// so rejected vectors cost one load. Bitmaps are cached per filter until the next change to the
/// columns, or until the first allowed row expires.
struct PatternColumns: Sendable {
    /// A built filter and the time window in which it stays exact.
    struct CachedFilter: Sendable {
        var filter: VectorFilter?
        var builtAt: Int64
        /// The earliest expiry among the rows it allows (`Int64.max`: none expire).
        var validUntil: Int64
    }


    private(set) var live: [Bool] = []
    private var taskType: [UInt8] = []
    private var origin: [UInt8] = []
    private var alpha: [Double] = []
    private var beta: [Double] = []
    private var expires: [Int64] = []  // Int64.max: never
    private var rowsByTag: [String: Set<Int64>] = [:]
    /// Row id by sequence number (the pattern id is `<twin id>-<seq>`): lookups by id use this
    /// map instead of a UNIQUE index on `seq` in the file (schema v5). Row ids stay dense (the
    /// store's sequence is shared with episodes and skills, so sequence numbers are sparse, and
    /// the filter bitmaps are indexed by row id).
    private var ridBySequence: [Int64: Int64] = [:]
    private(set) var count = 0
    private(set) var expiring = 0
    private var cache: [PatternFilter: CachedFilter] = [:]
    /// Filters cached at once; more are rebuilt each time (a filter costs one pass to build).
    static let cacheLimit = 32

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

    /// The row id of the live pattern with sequence number `sequence`.
    func rid(forSequence sequence: Int64) -> Int64? { ridBySequence[sequence] }

    mutating func insert(
        rid: Int64, sequence: Int64, taskType: Pattern.TaskType, origin: Pattern.Origin, tags: [String], alpha: Double, beta: Double,
        expiresMs: Int64?
    ) {
        let i = Int(rid)
        grow(to: i)
        cache.removeAll(keepingCapacity: true)
        if !live[i] { count += 1 }
        if expires[i] != .max { expiring -= 1 }
        live[i] = true
        ridBySequence[sequence] = rid
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
        cache.removeAll(keepingCapacity: true)
        self.alpha[i] = alpha
        self.beta[i] = beta
    }

    mutating func remove(rid: Int64, sequence: Int64, tags: [String]) {
        let i = Int(rid)
        guard i < live.count, live[i] else { return }
        cache.removeAll(keepingCapacity: true)
        live[i] = false
        ridBySequence[sequence] = nil
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
    mutating func vectorFilter(_ filter: PatternFilter, now: Int64) -> VectorFilter? {
        if let cached = cache[filter], cached.builtAt <= now, now < cached.validUntil { return cached.filter }
        let built = buildFilter(filter, now: now)
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[filter] = built
        return built.filter
    }

    private func buildFilter(_ filter: PatternFilter, now: Int64) -> CachedFilter {
        let conditions = filter != PatternFilter()
        if !conditions && expiring == 0 { return CachedFilter(filter: nil, builtAt: now, validUntil: .max) }
        let typeCode = filter.taskType.map(Self.code)
        let originCode = filter.origin.map(Self.code)
        var mask = [Bool](repeating: false, count: live.count)
        var allowed = 0
        var validUntil = Int64.max
        @inline(__always) func consider(_ i: Int) {
            guard passes(i, filter, typeCode: typeCode, originCode: originCode, now: now) else { return }
            mask[i] = true
            allowed += 1
            validUntil = min(validUntil, expires[i])
        }
        if !filter.tags.isEmpty {
            let postings = filter.tags.map { rowsByTag[$0] ?? [] }
            if let rarest = postings.min(by: { $0.count < $1.count }) {
                for rid in rarest where postings.allSatisfy({ $0.contains(rid) }) { consider(Int(rid)) }
            }
        } else {
            for i in 0..<live.count { consider(i) }
        }
        // Few survivors: hand the index the exact set so it scores only those.
        if allowed * 16 < count {
            var ids = Set<VectorID>(minimumCapacity: allowed)
            for i in mask.indices where mask[i] { ids.insert(VectorID(i)) }
            return CachedFilter(filter: .ids(ids), builtAt: now, validUntil: validUntil)
        }
        return CachedFilter(filter: .mask(mask, allowedCount: allowed), builtAt: now, validUntil: validUntil)
    }
}
