import Foundation
import GRDB
import HiveCore
import Synchronization
import Testing
@testable import HiveTwin

@Suite("Episode storage: one seal per episode, v2 rows still readable, group commit")
struct EpisodeStorageTests {
    @Test("an episode's private fields are one sealed blob, bound to its id; malformed and moved blobs are refused")
    func oneSeal() throws {
        let cipher = try FieldCipher(key: FieldCipher.generateKey())
        let fields = EpisodePrivateFields(input: "in ✓", output: "", critique: "too long\u{0}with nul")
        let sealed = try fields.seal(id: "t-1", cipher: cipher)
        #expect(sealed.first == EpisodePrivateFields.sealedFormat)
        #expect(sealed.count == 1 + FieldCipher.overhead + 2 + "in ✓".utf8.count + "too long\u{0}with nul".utf8.count)
        #expect(try EpisodePrivateFields.open(sealed, id: "t-1", cipher: cipher) == fields)
        #expect { try EpisodePrivateFields.open(sealed, id: "t-2", cipher: cipher) } throws: { ($0 as? HiveError)?.code == .inconsistent }
        let other = try FieldCipher(key: FieldCipher.generateKey())
        #expect { try EpisodePrivateFields.open(sealed, id: "t-1", cipher: other) } throws: { ($0 as? HiveError)?.code == .inconsistent }
        for bad in [Data(), Data([9, 1, 2]), Data([2, 1]), Data([1, 0x80]), Data([1, 5, 1, 2])] {
            #expect { try EpisodePrivateFields.open(bad, id: "t-1", cipher: cipher) } throws: { ($0 as? HiveError)?.code == .malformed }
        }
    }

    @Test("every seal takes a fresh nonce from the pool, across refills, and opens back")
    func noncesAreFresh() throws {
        let cipher = try FieldCipher(key: FieldCipher.generateKey())
        var nonces = Set<Data>()
        for i in 0..<1_000 {  // about four pool refills
            let sealed = try cipher.seal("value \(i)", context: "c")
            nonces.insert(sealed.prefix(12))
            if i % 97 == 0 { #expect(try cipher.open(sealed, context: "c") == "value \(i)") }
        }
        #expect(nonces.count == 1_000)
        #expect(!nonces.contains(Data(repeating: 0, count: 12)))
    }

    @Test("tags round-trip through their stored form, multi-byte characters and empty tags included")
    func tagsRoundTrip() throws {
        for tags in [["a"], ["evening", "sci-fi"], ["é🇫🇷", "", "x"], ["", "b"], ["a", ""], ["👩‍👩‍👧", "ü"]] {
            #expect(try ReasoningBank.decodeTags(ReasoningBank.encodeTags(tags)) == tags)
        }
        #expect(try ReasoningBank.decodeTags("") == [])
    }

    @Test("episodes written before v3 (three sealed columns) are migrated and still read back; new ones use one seal")
    func migratesV2Episodes() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let twinID = try identity.twin(forUser: "viewer").twinID
        let key = try StoreKeyFile(path: dir.file("twin.sqlite") + ".key").create()
        let cipher = try FieldCipher(key: key)
        var old: [Episode] = []
        for i in 0..<5 {
            let id: String = "\(twinID)-\(i + 1)"
            let critique: String = i == 3 ? "" : "old critique \(i)"
            let physical: UInt64 = 1_763_700_000_000 + UInt64(i)
            let stamp = HLCTimestamp(physicalMs: physical, logical: 0, nodeID: twinID)
            let episode = try Episode(
                id: id, sessionID: "s", task: "task \(i % 2)", input: "old input \(i)", output: "old output \(i)",
                reward: 0.2 * Double(i), success: i % 2 == 0, critique: critique, latencyMs: 5, tags: ["t\(i)"], stamp: stamp)
            old.append(episode)
        }
        do {  // Write the database as a v2 build did.
            let queue = try DatabaseQueue(path: dir.file("twin.sqlite"))
            try TwinStore.migrator.migrate(queue, upTo: "v2-compact-patterns")
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO meta(key, value) VALUES ('twin_id', ?), ('key_check', ?)",
                    arguments: [twinID, try cipher.seal(TwinStore.keyCheckText, context: "meta.key_check")])
                try db.execute(sql: "UPDATE id_sequence SET next = 6")
                // A v2 build embedded each distinct task in the same transaction as its episodes.
                let embedder = try Fixtures.embedder()
                for task in Set(old.map(\.task)).sorted() {
                    try db.execute(
                        sql: "INSERT INTO task_embeddings(task, vector) VALUES (?, ?)",
                        arguments: [task, EmbeddingCodec.encode(embedder.embed(task))])
                }
                for e in old {
                    try db.execute(
                        sql: """
                            INSERT INTO episodes(id, session_id, task, input, output, critique, reward, success, latency_ms, tags,
                                                 stamp, created_ms, expires_ms)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL)
                            """,
                        arguments: [
                            e.id, e.sessionID, e.task, try cipher.seal(e.input, context: "episodes.input.\(e.id)"),
                            try cipher.seal(e.output, context: "episodes.output.\(e.id)"),
                            try cipher.seal(e.critique, context: "episodes.critique.\(e.id)"), e.reward, e.success, e.latencyMs,
                            ReasoningBank.encodeTags(e.tags), e.stamp.description,
                        ])
                }
            }
        }
        let store = try Fixtures.open(dir, identity: identity)
        #expect(try store.integrityCheck() == ["ok"])
        let memory = try Fixtures.reflexion(store)
        #expect(try memory.count() == 5)
        for e in old { #expect(try memory.episode(id: e.id) == e) }
        let formats = try store.read { db in try Data.fetchAll(db, sql: "SELECT sealed FROM episodes").map { $0.first } }
        #expect(formats == Array(repeating: EpisodePrivateFields.legacyFormat, count: 5))
        let added = try memory.storeEpisode(ReflexionMemoryTests.draft("task 0", reward: 0.9, success: true, critique: "new"))
        #expect(added.id == "\(twinID)-6")
        #expect(try memory.episode(id: added.id) == added)
        #expect(try store.read { db in try Data.fetchOne(db, sql: "SELECT sealed FROM episodes WHERE seq = 6") }?.first
            == EpisodePrivateFields.sealedFormat)
        // A legacy blob moved to another row does not open.
        try store.write { db in
            try db.execute(sql: "UPDATE episodes SET sealed = (SELECT sealed FROM episodes WHERE seq = 1) WHERE seq = 2")
        }
        #expect { try memory.episode(id: old[1].id) } throws: { ($0 as? HiveError)?.code == .inconsistent }
    }

    @Test("group commit: concurrent one-episode calls all commit, each exactly once, with unique ids; bad input fails only its caller")
    func groupCommit() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir) { $0.durability = .full }
        let memory = try Fixtures.reflexion(store)
        let results = Mutex<[Episode]>([])
        let errors = Mutex<[HiveError.Code]>([])
        let group = DispatchGroup()
        let callers = 12, perCaller = 40
        for caller in 0..<callers {
            group.enter()
            Thread {
                for i in 0..<perCaller {
                    // Every 10th call of caller 0 is bad input (NaN reward).
                    let reward = caller == 0 && i % 10 == 0 ? Double.nan : 0.5
                    let draft = EpisodeDraft(
                        sessionID: "c\(caller)", task: "task \(i % 3)", input: "in \(caller)-\(i)", output: "out", reward: reward,
                        success: true, critique: "c\(caller)-\(i)")
                    do {
                        let episode = try memory.storeEpisode(draft)
                        results.withLock { $0.append(episode) }
                    } catch let error as HiveError {
                        errors.withLock { $0.append(error.code) }
                    } catch {
                        errors.withLock { $0.append(.io) }
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        let stored = results.withLock { $0 }
        #expect(errors.withLock { $0 } == Array(repeating: .invalidInput, count: 4))
        #expect(stored.count == callers * perCaller - 4)
        #expect(Set(stored.map(\.id)).count == stored.count)
        #expect(Set(stored.map(\.critique)).count == stored.count)
        #expect(try memory.count() == stored.count)
        for episode in stored.prefix(50) { #expect(try memory.episode(id: episode.id) == episode) }
        #expect(try store.integrityCheck() == ["ok"])
    }
}
