import Foundation
import GRDB
import HiveCore
import Testing
@testable import HiveTwin

@Suite("Episode rows v4: integer keys, task by rid, packed stamps; v3 files migrate")
struct EpisodeMigrationTests {
    struct V3File {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let twinID: String
        let episodes: [Episode]

        /// A database as a v3 build left it: text ids and stamps, task text in the row.
        init(foreignID: Bool = false, missingTask: Bool = false) throws {
            twinID = try identity.twin(forUser: "viewer").twinID
            let cipher = try FieldCipher(key: try StoreKeyFile(path: dir.file("twin.sqlite") + ".key").create())
            var episodes: [Episode] = []
            for i in 0..<6 {
                let owner = foreignID && i == 4 ? "someone-else" : twinID
                let stamp = HLCTimestamp(physicalMs: 1_763_700_000_000 + UInt64(i), logical: UInt16(i % 2), nodeID: twinID)
                episodes.append(
                    try Episode(
                        id: "\(owner)-\(i + 1)", sessionID: "s\(i / 2)", task: "task \(i % 2)", input: "input \(i)",
                        output: "output \(i)", reward: 0.15 * Double(i), success: i % 3 != 0, critique: "critique \(i)",
                        latencyMs: Double(i), tags: i == 5 ? [] : ["t\(i)", "é"], stamp: stamp))
            }
            self.episodes = episodes
            let queue = try DatabaseQueue(path: dir.file("twin.sqlite"))
            try TwinStore.migrator.migrate(queue, upTo: "v3-episodes-one-seal")
            let embedder = try Fixtures.embedder()
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO meta(key, value) VALUES ('twin_id', ?), ('key_check', ?)",
                    arguments: [twinID, try cipher.seal(TwinStore.keyCheckText, context: "meta.key_check")])
                try db.execute(sql: "UPDATE id_sequence SET next = 7")
                for task in ["task 0", "task 1"] where !(missingTask && task == "task 1") {
                    try db.execute(
                        sql: "INSERT INTO task_embeddings(task, vector) VALUES (?, ?)",
                        arguments: [task, EmbeddingCodec.encode(embedder.embed(task))])
                }
                for e in episodes {
                    try db.execute(
                        sql: """
                            INSERT INTO episodes(id, session_id, task, sealed, reward, success, latency_ms, tags, stamp,
                                                 created_ms, expires_ms)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                            """,
                        arguments: [
                            e.id, e.sessionID, e.task,
                            try EpisodePrivateFields(input: e.input, output: e.output, critique: e.critique).seal(id: e.id, cipher: cipher),
                            e.reward, e.success, e.latencyMs, ReasoningBank.encodeTags(e.tags), e.stamp.description,
                            Int64(e.stamp.physicalMs),
                        ])
                }
            }
        }
    }

    @Test("a v3 file is migrated: every episode reads back equal, retrieval, since filter and consolidation work")
    func migratesV3() throws {
        let file = try V3File()
        let store = try Fixtures.open(file.dir, identity: file.identity)
        #expect(try store.integrityCheck() == ["ok"])
        let memory = try Fixtures.reflexion(store)
        #expect(try memory.count() == 6)
        for e in file.episodes { #expect(try memory.episode(id: e.id) == e) }
        #expect(try memory.episode(id: "\(file.twinID)-99") == nil)
        #expect(try memory.episode(id: "someone-else-1") == nil)

        let task0 = try memory.retrieveRelevant(task: "task 0", k: 10)
        // The exact task first (by reward), then the other, less similar task.
        #expect(Array(task0.prefix(3).map(\.episode)) == file.episodes.filter { $0.task == "task 0" }.sorted { $0.reward > $1.reward })
        // since: strictly after episode 3's stamp in HLC order (packed value, then node id).
        let after = try memory.retrieveRelevant(task: "task 1", k: 10, since: file.episodes[3].stamp)
        #expect(Set(after.map(\.episode.id)) == Set([file.episodes[4].id, file.episodes[5].id]))
        let sameTimeSmallerNode = HLCTimestamp(packed: file.episodes[3].stamp.packed, nodeID: "")
        #expect(Set(try memory.retrieveRelevant(task: "task 1", k: 10, since: sameTimeSmallerNode).map(\.episode.id))
            == Set([file.episodes[3].id, file.episodes[4].id, file.episodes[5].id]))
        let sameTimeLargerNode = HLCTimestamp(packed: file.episodes[3].stamp.packed, nodeID: file.twinID + "z")
        #expect(Set(try memory.retrieveRelevant(task: "task 1", k: 10, since: sameTimeLargerNode).map(\.episode.id))
            == Set([file.episodes[4].id, file.episodes[5].id]))
        let failures = try memory.critiqueSummary(task: "task 0")
        #expect(failures == ["critique 3", "critique 0"])

        // New episodes continue the sequence and read back next to the migrated ones.
        let added = try memory.storeEpisode(ReflexionMemoryTests.draft("task 1", reward: 0.9, success: true, critique: "new"))
        #expect(added.id == "\(file.twinID)-7")
        #expect(try memory.episode(id: added.id) == added)

        // Consolidation groups by task and keeps episode ids as provenance.
        let skills = try Fixtures.skills(store).consolidate(reflexion: memory, windowMs: UInt64.max / 2, minAttempts: 3, minMeanReward: 0.4)
        #expect(skills.map(\.name) == ["task 1"])
        #expect(skills.first?.sourceEpisodeIDs == [file.episodes[1].id, file.episodes[3].id, file.episodes[5].id, added.id])
    }

    @Test("v4 schema: no text id, task or stamp columns; retrieval, prune and the TTL sweep use their indexes")
    func schemaAndIndexUse() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        let memory = try Fixtures.reflexion(store)
        try memory.storeEpisodes((0..<20).map { ReflexionMemoryTests.draft("task \($0 % 3)", reward: 0.5, success: true, critique: "c") })
        try store.read { db in
            let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(episodes)").map { $0["name"] as String }
            #expect(columns == ["seq", "task_rid", "session_id", "reward", "success", "latency_ms", "stamp", "created_ms",
                                "expires_ms", "tags", "sealed"])
            let indexes = Set(try Row.fetchAll(db, sql: "PRAGMA index_list(episodes)").map { $0["name"] as String })
            #expect(indexes == ["episodes_task", "episodes_created", "episodes_expiry"])
            func plan(_ sql: String) throws -> String {
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "; ")
            }
            #expect(try plan("\(ReflexionMemory.select) WHERE task_rid = 1 AND (expires_ms IS NULL OR expires_ms > 5) ORDER BY stamp DESC LIMIT 3")
                .contains("episodes_task"))
            #expect(try plan("DELETE FROM episodes WHERE created_ms < 5").contains("episodes_created"))
            #expect(try plan("DELETE FROM episodes WHERE expires_ms IS NOT NULL AND expires_ms <= 5").contains("episodes_expiry"))
        }
    }

    @Test("a v3 row that is not this twin's, or whose task has no embedding, stops the migration and leaves the file as it was")
    func refusesForeignRows() throws {
        for file in [try V3File(foreignID: true), try V3File(missingTask: true)] {
            #expect { try Fixtures.open(file.dir, identity: file.identity) } throws: { ($0 as? HiveError)?.code == .inconsistent }
            let queue = try DatabaseQueue(path: file.dir.file("twin.sqlite"))
            let (columns, count) = try queue.read { db in
                (
                    try Row.fetchAll(db, sql: "PRAGMA table_info(episodes)").map { $0["name"] as String },
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM episodes")
                )
            }
            #expect(columns.contains("id") && columns.contains("task"))
            #expect(count == 6)
        }
    }

    @Test("positional binding checks its argument count; a short row is refused and nothing is written")
    func positionalBinding() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        #expect {
            try store.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS probe(a INTEGER, b TEXT)")
                let insert = try PositionalInsert(db, sql: "INSERT INTO probe(a, b) VALUES (?, ?)")
                try insert.execute(Int64(1), "one")
                try insert.execute(Int64(2))
            }
        } throws: { ($0 as? HiveError)?.code == .io }
        #expect(try store.read { db in try db.tableExists("probe") } == false)
        try store.write { db in
            try db.execute(sql: "CREATE TABLE probe(a INTEGER, b TEXT, c BLOB)")
            let insert = try PositionalInsert(db, cached: "INSERT INTO probe(a, b, c) VALUES (?, ?, ?)")
            try insert.execute(Int64(1), "é", Data([0, 1]))
            try insert.execute(Int64?.none, "", Data([2]))
            insert.finish()
        }
        // A row SQLite refuses (CHECK) throws and rolls back; GRDB drops a failed statement from its
        // cache, so the next write with the same SQL gets a fresh one (no reset of a failed statement).
        try store.write { db in try db.execute(sql: "CREATE TABLE checked(a INTEGER CHECK (a >= 0))") }
        for value: Int64 in [-1, 3] {
            let attempt = Result {
                try store.write { db in try PositionalInsert(db, cached: "INSERT INTO checked(a) VALUES (?)").execute(value) }
            }
            #expect(((try? attempt.get()) != nil) == (value >= 0))
        }
        #expect(try store.read { db in try Int64.fetchAll(db, sql: "SELECT a FROM checked") } == [3])
        let rows = try store.read { db in try Row.fetchAll(db, sql: "SELECT a, b, c FROM probe ORDER BY rowid") }
        #expect(rows.map { $0[0] as Int64? } == [1, nil])
        #expect(rows.map { $0[1] as String } == ["é", ""])
        #expect(rows.map { $0[2] as Data } == [Data([0, 1]), Data([2])])
    }
}
