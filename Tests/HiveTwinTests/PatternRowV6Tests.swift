import Foundation
import GRDB
import HiveCore
import Testing
@testable import HiveTwin

/// Schema v6: approach texts as word codes, int8 vectors without their stored scale.
@Suite("Pattern rows v6")
struct PatternRowV6Tests {
    static let space = ReasoningBankTests.space

    /// Pieces a generated text is made of: words, repeated words, spacing, digits, punctuation,
    /// precomposed and decomposed accents, emoji, CJK, control characters, an over-long word.
    static let pieces = [
        "the", "The", "watch", "thriller", "evening", "a", "I", " ", " ", "  ", "\t", "\n", "\u{0}", "5-star", "#", "42", ",", ".",
        "caf\u{E9}", "cafe\u{301}", "na\u{EF}ve", "🎬", "👩‍👩‍👧", "映画を見る", "Ünïcödé", "x-y_z", String(repeating: "long", count: 10), "'s", "…",
    ]

    static func text(_ rng: inout SeededGenerator) -> String {
        (0..<Int(rng.next() % 14)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
    }

    @Test("approach texts read back byte for byte, through this dictionary and a fresh one; known words cost one byte")
    func approachRoundTrip() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        var rng = SeededGenerator(seed: 21)
        let texts = [
            "", " ", "  leading and trailing  ", "caf\u{E9} cafe\u{301}", String(repeating: "word ", count: 300),
        ] + (0..<600).map { _ in Self.text(&rng) }
        let encoded = try store.write { db -> [Data] in
            var terms = PatternTerms()
            return try texts.map { try terms.encode(approach: $0, in: db) }
        }
        try store.read { db in
            let loaded = try PatternTerms.load(db)
            for (text, data) in zip(texts, encoded) {
                #expect(!data.isEmpty)
                let back = try loaded.decodeApproach(data, in: db)
                #expect(Array(back.utf8) == Array(text.utf8), "\(text.debugDescription) read back as \(back.debugDescription)")
                // A copy that knows no codes reads them from the table.
                #expect(Array(try PatternTerms().decodeApproach(data, in: db).utf8) == Array(text.utf8))
            }
            // Canonically equivalent spellings are different terms: each keeps its own bytes.
            let spellings = try String.fetchAll(db, sql: "SELECT term FROM pattern_terms WHERE term IN ('caf\u{E9}', 'cafe\u{301}')")
            #expect(spellings.count == 2)
            // Over-long words stay literal, not in the dictionary.
            #expect(try Int.fetchOne(db, sql: "SELECT max(length(CAST(term AS BLOB))) FROM pattern_terms") ?? 99 <= PatternTerms.maxWordBytes)
        }
        // Once its words are known (codes < 32 take one byte; a single space before a word is free),
        // a sentence costs a byte a word.
        let sentence = "the thriller I watch a evening"
        let sizes = try Fixtures.open(TemporaryDirectory()).write { db -> [Int] in
            var terms = PatternTerms()
            return try (0..<2).map { _ in try terms.encode(approach: sentence, in: db).count }
        }
        #expect(sizes[1] == 6, "6 known words, one byte each: got \(sizes) bytes")
    }

    @Test("malformed approach blobs are malformed errors")
    func malformedApproach() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        try store.write { db in
            var terms = PatternTerms()
            let good = try terms.encode(approach: "calm evening, 5 stars", in: db)
            #expect(try terms.decodeApproach(good, in: db) == "calm evening, 5 stars")
            let bad: [Data] = [
                Data([3]),  // unused item kind
                Data([5 << 2 | 2, 0x41]),  // a literal overrunning the blob
                Data([0x80]),  // a truncated varint
                Data([0xFC, 0x7F]),  // an unknown term code (4095)
                Data([1 << 2 | 2, 0xFF]),  // a literal that is not UTF-8
            ]
            for data in bad {
                #expect { try terms.decodeApproach(data, in: db) } throws: { ($0 as? HiveError)?.code == .malformed }
            }
        }
    }

    @Test("vectors are stored as their codes; rows with the older scale prefix still decode, in the same direction")
    func embeddingCodec() throws {
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<50 {
            let v = rng.vector(32)
            let codes = EmbeddingCodec.encode(v)
            #expect(codes.count == 32)
            let decoded = try EmbeddingCodec.decode(codes, dimensions: 32)
            #expect(abs(decoded.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
            #expect(cosine(v, decoded) > 0.99)
            let legacy = try EmbeddingCodec.decode(PatternStorageTests.legacyEncoded(v), dimensions: 32)
            #expect(cosine(legacy, decoded) > 0.99999)
            #expect(try EmbeddingCodec.stripLegacyScale(PatternStorageTests.legacyEncoded(v), what: "t") == codes)
        }
        #expect(try EmbeddingCodec.decode(EmbeddingCodec.encode([Float](repeating: 0, count: 8)), dimensions: 8) == [Float](repeating: 0, count: 8))
        for length in [0, 31, 33, 35, 37] {
            #expect { try EmbeddingCodec.decode(Data(count: length), dimensions: 32) } throws: { ($0 as? HiveError)?.code == .malformed }
        }
    }

    /// Writes a database as a v5 build did: text approaches, `scale ‖ codes` vectors.
    static func writeV5(_ path: String, twinID: String, patterns: [(Pattern, [Float])], rid: (Int) -> Int64 = { Int64($0 + 1) }) throws {
        let queue = try DatabaseQueue(path: path)
        try TwinStore.migrator.migrate(queue, upTo: "v5-pattern-terms")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('twin_id', ?)", arguments: [twinID])
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('embedding_space.patterns', ?)", arguments: [Self.space.stored])
            var terms = PatternTerms()
            for (i, (p, vector)) in patterns.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO patterns(rid, seq, task_type, origin, alpha, beta, stamp, expires_ms, approach, tags,
                                             context, provenance, vector)
                        VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        rid(i), PatternRowCodec.sequence(of: p.id, twinID: twinID), PatternRowCodec.code(p.taskType),
                        PatternRowCodec.code(p.origin), p.alpha, p.beta, Int64(bitPattern: p.stamp.packed), p.approach,
                        try terms.encode(tags: p.tags, in: db), try terms.encode(context: p.context, in: db),
                        PatternRowCodec.encode(p.provenance), PatternStorageTests.legacyEncoded(vector),
                    ])
            }
        }
        try queue.close()
    }

    @Test("a v5 database is migrated (v6) with every pattern, row id, search result and similarity unchanged")
    func migratesV5() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let twinID = try identity.twin(forUser: "viewer").twinID
        var rng = SeededGenerator(seed: 31)
        let patterns = try (0..<60).map { i -> (Pattern, [Float]) in
            var draft = ReasoningBankTests.draft(i)
            // No NUL: GRDB binds text as a C string, so a v5 row could not hold one (v6 rows can).
            draft.approach = i % 3 == 0 ? Self.text(&rng).replacingOccurrences(of: "\u{0}", with: "") + "x" : "Similar to recent 5-star rated \(["drama", "caf\u{E9}"][i % 2]) #\(i)"
            draft.tags = i % 4 == 0 ? ["drama", "late-night"] : ["comedy"]
            let stamp = HLCTimestamp(physicalMs: 1_763_700_000_000 + UInt64(i), logical: 0, nodeID: twinID)
            return (try draft.pattern(id: "\(twinID)-\(200 + 2 * i)", stamp: stamp), rng.vector(32))
        }
        try Self.writeV5(dir.file("twin.sqlite"), twinID: twinID, patterns: patterns) { Int64(5 + $0) }
        let store = try Fixtures.open(dir, identity: identity)
        #expect(try store.integrityCheck() == ["ok"])
        let (rids, vectorBytes, approachTypes, indexes) = try store.read { db in
            (
                try Int64.fetchAll(db, sql: "SELECT rid FROM patterns ORDER BY rid"),
                try Int.fetchAll(db, sql: "SELECT DISTINCT length(vector) FROM patterns"),
                try String.fetchAll(db, sql: "SELECT DISTINCT typeof(approach) FROM patterns"),
                try db.indexes(on: "patterns").map(\.name)
            )
        }
        #expect(rids == (0..<60).map { Int64(5 + $0) })
        #expect(vectorBytes == [32] && approachTypes == ["blob"] && indexes == ["patterns_expiry"])
        let bank = try ReasoningBank(store: store, space: Self.space)
        #expect(try bank.count() == 60 && bank.verifyIndex().isEmpty)
        for (p, vector) in patterns {
            let got = try #require(try bank.pattern(id: p.id))
            #expect(got == p && Array(got.approach.utf8) == Array(p.approach.utf8))
            let hit = try #require(try bank.searchPatterns(vector: vector, k: 1).first)
            #expect(hit.pattern == p)
            // The similarity is the one the scale-prefixed vector gave.
            let before = try EmbeddingCodec.decode(PatternStorageTests.legacyEncoded(vector), dimensions: 32)
            #expect(abs(hit.similarity - cosine(vector, before)) < 1e-3)
        }
        #expect(try bank.searchPatterns(vector: patterns[4].1, k: 60, filter: PatternFilter(tags: ["late-night"])).count == 15)
        let updated = try bank.recordOutcome(patternID: patterns[7].0.id, success: true)
        #expect(updated.approach == patterns[7].0.approach && updated.alpha == patterns[7].0.alpha + 1)
        let added = try bank.storePattern(ReasoningBankTests.draft(3), vector: rng.vector(32))
        #expect(try ReasoningBank(store: store, space: Self.space).pattern(id: added.id) == added)
    }

    @Test("a v5 row whose vector is too short stops the v6 migration and leaves the file untouched")
    func migrationRefusesShortVector() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let twinID = try identity.twin(forUser: "viewer").twinID
        var rng = SeededGenerator(seed: 2)
        let good = try ReasoningBankTests.draft(1).pattern(
            id: "\(twinID)-3", stamp: HLCTimestamp(physicalMs: 1_763_700_000_000, logical: 0, nodeID: twinID))
        try Self.writeV5(dir.file("twin.sqlite"), twinID: twinID, patterns: [(good, rng.vector(32))])
        let queue = try DatabaseQueue(path: dir.file("twin.sqlite"))
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO patterns(rid, seq, task_type, origin, alpha, beta, stamp, approach, tags, context, provenance, vector) VALUES (9, 4, 0, 0, 1, 1, 1, 'x', x'00', x'00000000', x'00', x'01020304')")
        }
        try queue.close()
        #expect { try Fixtures.open(dir, identity: identity) } throws: { ($0 as? HiveError)?.code == .malformed }
        let again = try DatabaseQueue(path: dir.file("twin.sqlite"))
        let (approach, applied) = try again.read { db in
            (
                try String.fetchOne(db, sql: "SELECT approach FROM patterns WHERE rid = 1"),
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            )
        }
        #expect(approach == good.approach && !applied.contains("v6-pattern-approach-codes"))
    }
}
