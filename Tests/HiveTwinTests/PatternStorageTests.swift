import Foundation
import GRDB
import HiveCore
import Testing
@testable import HiveTwin

/// The compact pattern rows (schema v2), the persisted exact index and the cached filter bitmaps.
@Suite("Pattern storage")
struct PatternStorageTests {
    static let space = ReasoningBankTests.space

    /// A persisted kind (only HNSW is persisted since schema v5), small enough for fast tests.
    static let hnsw = ReasoningBank.IndexKind.hnsw(m: 8, efConstruction: 48, efSearch: 64)

    /// A vector as rows before schema v6 stored it: `scale (Float32, little-endian) ‖ codes`.
    static func legacyEncoded(_ vector: [Float]) -> Data {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let scale = vector.reduce(0) { max($0, abs($1 / norm)) } / 127
        return withUnsafeBytes(of: scale.bitPattern.littleEndian) { Data($0) } + EmbeddingCodec.encode(vector)
    }

    static func seeded(_ dir: TemporaryDirectory, identity: NodeIdentity, count: Int, seed: UInt64 = 3) throws -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        let vectors = (0..<count).map { _ in rng.vector(32) }
        let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space, index: Self.hnsw)
        try bank.storePatterns((0..<count).map { (ReasoningBankTests.draft($0), vectors[$0]) })
        try bank.saveIndex()
        return vectors
    }

    @Test("a saved index is loaded when current; stale, corrupt, truncated, missing or foreign files are reported and rebuilt")
    func persistedIndexChecks() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let vectors = try Self.seeded(dir, identity: identity, count: 150)
        let path = dir.file("twin.sqlite.patterns.hnsw")
        func reopen() throws -> ReasoningBank {
            try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space, index: Self.hnsw)
        }
        func expectRebuilt(_ bank: ReasoningBank, because phrase: String) throws {
            #expect(bank.indexOrigin == "rebuilt")
            #expect(bank.indexRebuildReason?.contains(phrase) == true, "reason: \(bank.indexRebuildReason ?? "nil")")
            #expect(try bank.verifyIndex().isEmpty)
            #expect(try bank.searchPatterns(vector: vectors[42], k: 1).first?.pattern.approach == "approach 42")
        }
        do {
            let bank = try reopen()
            #expect(bank.indexOrigin == "loaded" && bank.indexRebuildReason == nil)
            #expect(try bank.verifyIndex().isEmpty)
            #expect(try bank.searchPatterns(vector: vectors[42], k: 1).first?.pattern.approach == "approach 42")
            // Evidence updates leave vectors alone: the file stays current.
            try bank.recordOutcome(patternID: try #require(bank.searchPatterns(vector: vectors[1], k: 1).first).pattern.id, success: true)
        }
        #expect(try reopen().indexOrigin == "loaded")
        do {
            // A pattern written after the save (then a crash before saving again): the file is stale.
            var rng = SeededGenerator(seed: 1234)
            try reopen().storePattern(ReasoningBankTests.draft(7), vector: rng.vector(32))
        }
        try expectRebuilt(try reopen(), because: "stale")
        #expect(try reopen().indexOrigin == "loaded")  // the rebuild saved a current file

        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: path))
        try expectRebuilt(try reopen(), because: "failed verification")

        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        try saved.prefix(saved.count / 3).write(to: URL(fileURLWithPath: path))
        try expectRebuilt(try reopen(), because: "failed verification")

        try FileManager.default.removeItem(atPath: path)
        try expectRebuilt(try reopen(), because: "missing")

        // Another database's index file (same size and generation, different vectors) fails the checksum.
        let other = TemporaryDirectory()
        _ = try Self.seeded(other, identity: identity, count: 150, seed: 99)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: other.file("twin.sqlite.patterns.hnsw"), toPath: path)
        try expectRebuilt(try reopen(), because: "failed verification")
    }

    @Test("an exact index is never persisted: rebuilt from the table at every open, an older version's file and record are deleted")
    func exactIndexNotPersisted() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        var rng = SeededGenerator(seed: 4)
        let vectors = (0..<120).map { _ in rng.vector(32) }
        let legacy = dir.file("twin.sqlite.patterns.qflat")
        do {
            let store = try Fixtures.open(dir, identity: identity)
            let bank = try ReasoningBank(store: store, space: Self.space)
            try bank.storePatterns((0..<120).map { (ReasoningBankTests.draft($0), vectors[$0]) })
            try bank.saveIndex()
            #expect(!FileManager.default.fileExists(atPath: legacy), "saveIndex writes nothing for .exact")
            // As an older version left it: a file and its record (the file's content does not matter).
            try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: legacy))
        }
        for _ in 0..<2 {
            let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space)
            #expect(bank.indexOrigin == "rebuilt" && bank.indexRebuildReason?.contains("not persisted") == true)
            #expect(!FileManager.default.fileExists(atPath: legacy))
            #expect(try bank.verifyIndex().isEmpty)
            #expect(try bank.searchPatterns(vector: vectors[42], k: 1).first?.pattern.approach == "approach 42")
            // A write with no save before the next open: the next open still matches the table.
            try bank.storePattern(ReasoningBankTests.draft(500), vector: rng.vector(32))
        }
        let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space)
        #expect(try bank.count() == 122 && bank.verifyIndex().isEmpty)
    }

    @Test("an index that cannot be saved is reported, and the store still opens with a correct index")
    func unsavableIndex() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        var rng = SeededGenerator(seed: 8)
        let vectors = (0..<40).map { _ in rng.vector(32) }
        let kind = ReasoningBank.IndexKind.hnsw(m: 8, efConstruction: 32, efSearch: 32)
        do {
            let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space, index: kind)
            try bank.storePatterns((0..<40).map { (ReasoningBankTests.draft($0), vectors[$0]) })
        }
        // A directory where the file should go: the atomic rename fails.
        try FileManager.default.removeItem(atPath: dir.file("twin.sqlite.patterns.hnsw"))
        try FileManager.default.createDirectory(atPath: dir.file("twin.sqlite.patterns.hnsw/blocker"), withIntermediateDirectories: true)
        let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space, index: kind)
        #expect(bank.indexOrigin == "rebuilt")
        #expect(bank.indexRebuildReason?.contains("saving the rebuilt index failed") == true, "\(bank.indexRebuildReason ?? "nil")")
        #expect(try bank.verifyIndex().isEmpty)
        #expect(throws: (any Error).self) { try bank.saveIndex() }
        #expect(try bank.searchPatterns(vector: vectors[9], k: 1).first?.pattern.approach == "approach 9")
    }

    @Test("a v1 database is migrated to compact rows with every pattern, id and stamp unchanged")
    func migratesV1() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let twinID = try identity.twin(forUser: "viewer").twinID
        var rng = SeededGenerator(seed: 5)
        let vectors = (0..<30).map { _ in rng.vector(32) }
        let stamps = (0..<30).map { HLCTimestamp(physicalMs: 1_763_700_000_000 + UInt64($0), logical: UInt16($0 % 3), nodeID: twinID) }
        let expected = try (0..<30).map { i -> Pattern in
            var draft = ReasoningBankTests.draft(i)
            draft.provenance = i % 4 == 0 ? ["\(twinID)-9\(i)", "episode ✓ \(i)"] : []
            draft.context.watchHistory = i % 5 == 0 ? ["m1", "m2"] : []
            draft.context.timeOfDay = i % 2 == 0 ? "evening" : nil
            return try draft.pattern(id: "\(twinID)-\(100 + i)", stamp: stamps[i])
        }
        do {  // Write the database as a v1 build did.
            let queue = try DatabaseQueue(path: dir.file("twin.sqlite"))
            try TwinStore.migrator.migrate(queue, upTo: "v1")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('twin_id', ?)", arguments: [twinID])
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('embedding_space.patterns', ?)", arguments: [Self.space.stored])
                for (i, p) in expected.enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO patterns(id, task_type, approach, tags, context, alpha, beta, origin, provenance, stamp,
                                                 created_ms, expires_ms, vector)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?)
                            """,
                        arguments: [
                            p.id, p.taskType.rawValue, p.approach, ReasoningBank.encodeTags(p.tags),
                            String(decoding: try HiveJSON.encode(p.context), as: UTF8.self), p.alpha, p.beta, p.origin.rawValue,
                            String(decoding: try HiveJSON.encode(p.provenance), as: UTF8.self), p.stamp.description,
                            Self.legacyEncoded(vectors[i]),
                        ])
                }
            }
        }
        let store = try Fixtures.open(dir, identity: identity)
        #expect(try store.integrityCheck() == ["ok"])
        let bank = try ReasoningBank(store: store, space: Self.space)
        #expect(try bank.count() == 30)
        #expect(try bank.verifyIndex().isEmpty)
        for (i, p) in expected.enumerated() {
            #expect(try bank.pattern(id: p.id) == p)
            #expect(try bank.searchPatterns(vector: vectors[i], k: 1).first?.pattern == p)
        }
        // Ids of the new rows continue the store's sequence; unknown and foreign ids are not found.
        let added = try bank.storePattern(ReasoningBankTests.draft(1), vector: rng.vector(32))
        #expect(try bank.pattern(id: added.id) == added)
        for bad in ["\(twinID)-99999", "\(twinID)-0100", "someone-else-100", "", "\(twinID)-"] {
            #expect(try bank.pattern(id: bad) == nil)
        }
        #expect(throws: HiveError.self) { try bank.recordOutcome(patternID: "someone-else-100", success: true) }
    }

    @Test("a v4 database is migrated to dictionary-coded tags and context (v5) with every pattern and row id unchanged")
    func migratesV4() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let twinID = try identity.twin(forUser: "viewer").twinID
        var rng = SeededGenerator(seed: 6)
        let vectors = (0..<40).map { _ in rng.vector(32) }
        let expected = try (0..<40).map { i -> Pattern in
            var draft = ReasoningBankTests.draft(i)
            draft.provenance = i % 4 == 0 ? ["\(twinID)-9\(i)"] : []
            draft.tags = i % 7 == 0 ? [] : draft.tags + ["t\(i % 6)", "ñ ✓"]
            draft.context.watchHistory = i % 5 == 0 ? ["m1", "m2", "m1"] : []
            draft.context.timeOfDay = i % 2 == 0 ? "evening" : nil
            draft.context.mood = i % 3 == 0 ? nil : "calm"
            let stamp = HLCTimestamp(physicalMs: 1_763_700_000_000 + UInt64(i), logical: 0, nodeID: twinID)
            return try draft.pattern(id: "\(twinID)-\(500 + 3 * i)", stamp: stamp)
        }
        do {  // Write the database as a v4 build did (rids not equal to sequence numbers).
            let queue = try DatabaseQueue(path: dir.file("twin.sqlite"))
            try TwinStore.migrator.migrate(queue, upTo: "v4-compact-episodes")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('twin_id', ?)", arguments: [twinID])
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('embedding_space.patterns', ?)", arguments: [Self.space.stored])
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('patterns_index_exact', '1 42')")
                for (i, p) in expected.enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO patterns(rid, seq, task_type, origin, alpha, beta, stamp, expires_ms, approach, tags,
                                                 context, provenance, vector)
                            VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            10 + i, 500 + 3 * i, PatternRowCodec.code(p.taskType), PatternRowCodec.code(p.origin), p.alpha, p.beta,
                            Int64(bitPattern: p.stamp.packed), p.approach, ReasoningBank.encodeTags(p.tags),
                            PatternRowCodec.encode(p.context), PatternRowCodec.encode(p.provenance), Self.legacyEncoded(vectors[i]),
                        ])
                }
            }
        }
        let store = try Fixtures.open(dir, identity: identity)
        #expect(try store.integrityCheck() == ["ok"])
        let (rids, record, terms, longestTags, indexes) = try store.read { db in
            (
                try Int64.fetchAll(db, sql: "SELECT rid FROM patterns ORDER BY rid"),
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'patterns_index_exact'"),
                try String.fetchAll(db, sql: "SELECT term FROM pattern_terms"),
                try Int.fetchOne(db, sql: "SELECT max(length(tags)) FROM patterns") ?? 99,
                try db.indexes(on: "patterns").map(\.name)
            )
        }
        #expect(rids == (0..<40).map { Int64(10 + $0) })
        #expect(record == nil)
        // Each distinct term once: the tags, genres, moods, times of day and titles above.
        #expect(Set(terms).count == terms.count && terms.contains("ñ ✓") && terms.contains("m2"))
        #expect(longestTags <= 6)
        #expect(indexes == ["patterns_expiry"])
        let bank = try ReasoningBank(store: store, space: Self.space)
        #expect(try bank.count() == 40 && bank.verifyIndex().isEmpty)
        for (i, p) in expected.enumerated() {
            #expect(try bank.pattern(id: p.id) == p)
            #expect(try bank.searchPatterns(vector: vectors[i], k: 1).first?.pattern == p)
        }
        #expect(try bank.searchPatterns(vector: vectors[1], k: 40, filter: PatternFilter(tags: ["t1", "ñ ✓"])).count
            == expected.filter { $0.tags.contains("t1") }.count)
        #expect(try bank.export(minQuality: 0, minObservations: 0).count == expected.filter { $0.origin == .local }.count)
        let updated = try bank.recordOutcome(patternID: expected[3].id, success: false)
        #expect(updated.beta == expected[3].beta + 1 && updated.tags == expected[3].tags && updated.context == expected[3].context)
    }

    @Test("malformed tag and context codes are malformed errors; a v4 row with a malformed context stops the v5 migration, file untouched")
    func malformedTerms() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        let errors = try store.write { db -> [HiveError.Code?] in
            var terms = PatternTerms()
            let good = try terms.encode(tags: ["a", "b"], in: db)
            let context = try terms.encode(context: Pattern.Context(genres: ["x"], mood: "calm"), in: db)
            var out: [HiveError.Code?] = []
            for bytes in [Data(), good.prefix(1), good + [0], Data([1, 99]), Data([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])] {
                do { _ = try terms.decodeTags(bytes, in: db); out.append(nil) } catch { out.append((error as? HiveError)?.code) }
            }
            for bytes in [context.prefix(context.count - 1), context + [0], Data([0, 9, 0, 0])] {
                do { _ = try terms.decodeContext(bytes, in: db); out.append(nil) } catch { out.append((error as? HiveError)?.code) }
            }
            #expect(try terms.decodeTags(good, in: db) == ["a", "b"])
            // A fresh dictionary reads codes it lacks from the table.
            #expect(try PatternTerms().decodeContext(context, in: db) == Pattern.Context(genres: ["x"], mood: "calm"))
            return out
        }
        #expect(errors == Array(repeating: .malformed, count: 8))

        let legacy = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let twinID = try identity.twin(forUser: "viewer").twinID
        let queue = try DatabaseQueue(path: legacy.file("twin.sqlite"))
        try TwinStore.migrator.migrate(queue, upTo: "v4-compact-episodes")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('twin_id', ?)", arguments: [twinID])
            try db.execute(
                sql: """
                    INSERT INTO patterns(rid, seq, task_type, origin, alpha, beta, stamp, approach, tags, context, provenance, vector)
                    VALUES (1, 7, 0, 0, 1, 1, 1, 'x', 'a', x'0205', x'00', zeroblob(36))
                    """)
        }
        try queue.close()
        #expect { try Fixtures.open(legacy, identity: identity) } throws: { error in (error as? HiveError)?.code == .malformed }
        let again = try DatabaseQueue(path: legacy.file("twin.sqlite"))
        let (context, hasTerms) = try again.read { db in
            (try Data.fetchOne(db, sql: "SELECT context FROM patterns"), try db.tableExists("pattern_terms"))
        }
        #expect(context == Data([2, 5]) && !hasTerms)
    }

    @Test("two banks over one file share the term dictionary: a term one adds is read and reused by the other")
    func sharedTerms() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        let first = try ReasoningBank(store: store, space: Self.space)
        let second = try ReasoningBank(store: store, space: Self.space)
        var rng = SeededGenerator(seed: 12)
        var draft = ReasoningBankTests.draft(0)
        draft.tags = ["brand-new"]
        draft.context.genres = ["noir"]
        let a = try first.storePattern(draft, vector: rng.vector(32))
        // `second` loaded its dictionary before these terms existed: it reads them from the table…
        #expect(try second.export(minQuality: 0, minObservations: 0).first { $0.id == a.id }?.tags == ["brand-new"])
        // …and writing the same terms reuses their codes instead of failing on the UNIQUE term.
        let b = try second.storePattern(draft, vector: rng.vector(32))
        #expect(b.tags == ["brand-new"])
        let termRows = try store.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pattern_terms WHERE term IN ('brand-new', 'noir')")
        }
        #expect(termRows == 2)
        let reopened = try ReasoningBank(store: store, space: Self.space)
        #expect(try reopened.pattern(id: a.id)?.context.genres == ["noir"] && reopened.pattern(id: b.id)?.tags == ["brand-new"])
    }

    @Test("a v1 row of another twin stops the migration and leaves the file as it was")
    func migrationRefusesForeignRows() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let twinID = try identity.twin(forUser: "viewer").twinID
        let queue = try DatabaseQueue(path: dir.file("twin.sqlite"))
        try TwinStore.migrator.migrate(queue, upTo: "v1")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('twin_id', ?)", arguments: [twinID])
            try db.execute(
                sql: """
                    INSERT INTO patterns(id, task_type, approach, tags, context, alpha, beta, origin, provenance, stamp,
                                         created_ms, vector)
                    VALUES ('other-twin-1', 'behavior', 'x', '', '{"genres":[],"watch_history":[]}', 1, 1, 'local', '[]',
                            '0000000000000001-other', 0, zeroblob(36))
                    """)
        }
        try queue.close()
        #expect { try Fixtures.open(dir, identity: identity) } throws: { error in
            (error as? HiveError)?.message.contains("other-twin-1") == true
        }
        let again = try DatabaseQueue(path: dir.file("twin.sqlite"))
        #expect(try again.read { db in try String.fetchAll(db, sql: "SELECT id FROM patterns") } == ["other-twin-1"])
    }

    @Test("the compact codec round-trips every field shape and rejects malformed bytes with malformed errors")
    func rowCodec() throws {
        let contexts = [
            Pattern.Context(),
            Pattern.Context(genres: ["thriller", "", "ñø ✓"], mood: "", timeOfDay: "late-night", watchHistory: ["a", "b"]),
            Pattern.Context(genres: [], mood: "calm", timeOfDay: nil, watchHistory: (0..<200).map { "m\($0)" }),
        ]
        for context in contexts { #expect(try PatternRowCodec.decodeContext(PatternRowCodec.encode(context)) == context) }
        for list in [[], [""], ["x", String(repeating: "é", count: 300)]] {
            #expect(try PatternRowCodec.decodeList(PatternRowCodec.encode(list)) == list)
        }
        let good = PatternRowCodec.encode(contexts[1])
        let malformed: [Data] = [
            Data(), good.prefix(good.count - 1), good + [0], Data([1, 5, 0x41]), Data([0, 2, 0]), Data([0, 9, 0, 0]),
            Data([1, 2, 0xFF, 0xFE, 0, 0, 0]), Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        ]
        for bytes in malformed {
            #expect(throws: HiveError.self) { try PatternRowCodec.decodeContext(bytes) }
        }
        #expect(throws: HiveError.self) { try PatternRowCodec.taskType(9) }
        #expect(throws: HiveError.self) { try PatternRowCodec.origin(-1) }
        #expect(PatternRowCodec.sequence(of: "abc-12", twinID: "abc") == 12)
        #expect(PatternRowCodec.sequence(of: "abc-+12", twinID: "abc") == nil)
        #expect(PatternRowCodec.sequence(of: "abc-12x", twinID: "abc") == nil)
    }

    @Test("a broad filter (bitmap path) matches brute force and the cached bitmap follows outcomes and expiry")
    func broadFilterAndCache() throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let store = try Fixtures.open(dir, clock: clock)
        let bank = try ReasoningBank(store: store, space: Self.space)
        var rng = SeededGenerator(seed: 17)
        let vectors = (0..<300).map { _ in rng.vector(32) }
        var stored = try bank.storePatterns((0..<200).map { (ReasoningBankTests.draft($0), vectors[$0]) })
        stored += try bank.storePatterns((200..<300).map { (ReasoningBankTests.draft($0), vectors[$0]) }, ttlMs: 60_000)
        let decoded = try vectors.map { try EmbeddingCodec.decode(EmbeddingCodec.encode($0), dimensions: 32) }
        let filter = PatternFilter(minSuccessRate: 0.4)  // passes well over 1/16 of the rows: the bitmap path
        func expected(_ query: [Float], _ patterns: [Pattern], now expired: Bool) -> [String] {
            patterns.indices.filter { patterns[$0].successRate >= 0.4 && (!expired || $0 < 200) }
                .sorted { cosine(query, decoded[$0]) > cosine(query, decoded[$1]) }
                .prefix(8).map { patterns[$0].id }
        }
        let query = rng.vector(32)
        #expect(try bank.searchPatterns(vector: query, k: 8, filter: filter).map(\.pattern.id) == expected(query, stored, now: false))
        // Push the best non-passing pattern over the threshold: the cached bitmap must not hide it.
        let outsider = try #require(
            stored.indices.filter { stored[$0].successRate < 0.4 && stored[$0].successRate > 0.3 }
                .max { cosine(query, decoded[$0]) < cosine(query, decoded[$1]) })
        var updated = stored[outsider]
        while updated.successRate < 0.4 { updated = try bank.recordOutcome(patternID: updated.id, success: true) }
        stored[outsider] = updated
        #expect(try bank.searchPatterns(vector: query, k: 8, filter: filter).map(\.pattern.id) == expected(query, stored, now: false))
        // Expiry needs no write: the cached bitmap is only valid until its first allowed row expires.
        clock.advance(60_001)
        #expect(try bank.searchPatterns(vector: query, k: 8, filter: filter).map(\.pattern.id) == expected(query, stored, now: true))
    }

    @Test("exact-index results are identical before a restart and after the rebuild at the next open")
    func identicalAcrossRestart() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        var rng = SeededGenerator(seed: 29)
        let vectors = (0..<400).map { _ in rng.vector(32) }
        let queries = (0..<30).map { _ in rng.vector(32) }
        let filter = PatternFilter(minSuccessRate: 0.3)
        func results(_ bank: ReasoningBank) throws -> [[PatternMatch]] {
            try queries.flatMap { [try bank.searchPatterns(vector: $0, k: 10), try bank.searchPatterns(vector: $0, k: 5, filter: filter)] }
        }
        let before: [[PatternMatch]]
        do {
            let bank = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space)
            // Inserted in batches, so the live index grew incrementally rather than in one rebuild.
            for first in stride(from: 0, to: 400, by: 100) {
                try bank.storePatterns((first..<first + 100).map { (ReasoningBankTests.draft($0), vectors[$0]) })
            }
            before = try results(bank)
        }
        #expect(before.allSatisfy { !$0.isEmpty })
        let rebuilt = try ReasoningBank(store: try Fixtures.open(dir, identity: identity), space: Self.space)
        #expect(rebuilt.indexOrigin == "rebuilt")
        #expect(try results(rebuilt) == before)
    }
}
