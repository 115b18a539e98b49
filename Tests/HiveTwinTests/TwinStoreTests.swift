import Foundation
import GRDB
import HiveCore
import Testing
@testable import HiveTwin

@Suite("TwinStore")
struct TwinStoreTests {
    @Test("opens in WAL mode with the configured durability and migrates")
    func walAndMigrations() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir) { $0.durability = .full }
        let (mode, sync, tables) = try store.write { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            )
        }
        #expect(mode == "wal")
        #expect(sync == 2)  // FULL
        for table in ["episodes", "inbox", "meta", "outbox", "patterns", "skills", "snapshot", "snapshot_conflicts"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test("row ids are unique across reopen and the HLC resumes past the last stamp after the wall clock steps back")
    func idsAndClockAcrossReopen() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        let clock = ManualClock()
        var ids: [String] = []
        var lastStamp = HLCTimestamp.zero
        do {
            let store = try Fixtures.open(dir, identity: identity, clock: clock)
            ids += try store.write { db in try store.allocateIDs(5, in: db) }
            lastStamp = try store.write { _ in store.clock.now() }
        }
        clock.ms -= 3_600_000  // the wall clock steps an hour back between runs
        let store = try Fixtures.open(dir, identity: identity, clock: clock)
        ids += try store.write { db in try store.allocateIDs(5, in: db) }
        #expect(Set(ids).count == 10)
        #expect(ids.allSatisfy { $0.hasPrefix(store.twinID + "-") })
        #expect(store.clock.now() > lastStamp)
    }

    @Test("a write that throws leaves nothing behind")
    func rollback() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        let snapshots = SnapshotStore(store: store)
        #expect(throws: HiveError.self) {
            try store.write { db in
                _ = try snapshots.set("theme", .string("dark"), in: db)
                throw HiveError(.invalidInput, "abort")
            }
        }
        #expect(try snapshots.value("theme") == nil)
    }

    @Test("refuses a store of another twin, a wrong key, a missing key and a key readable by others")
    func ownershipAndKeys() throws {
        let dir = TemporaryDirectory()
        let identity = NodeIdentity.generate()
        do { _ = try Fixtures.open(dir, identity: identity) }
        var mode = stat()
        #expect(stat(dir.file("twin.sqlite.key"), &mode) == 0)
        #expect(mode.st_mode & 0o777 == 0o600)

        #expect { try Fixtures.open(dir, identity: identity, user: "someone-else") } throws: { error in
            (error as? HiveError)?.code == .inconsistent
        }
        #expect { try Fixtures.open(dir, identity: NodeIdentity.generate()) } throws: { error in
            (error as? HiveError)?.code == .inconsistent
        }

        let key = try String(contentsOfFile: dir.file("twin.sqlite.key"), encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir.file("twin.sqlite.key"))
        #expect { try Fixtures.open(dir, identity: identity) } throws: { error in
            (error as? HiveError)?.code == .keyFile
        }
        // A different key: the stored key check no longer opens.
        _ = try StoreKeyFile(path: dir.file("twin.sqlite.key")).create()
        #expect { try Fixtures.open(dir, identity: identity) } throws: { error in
            (error as? HiveError)?.code == .inconsistent
        }
        try FileManager.default.removeItem(atPath: dir.file("twin.sqlite.key"))
        try KeyFile.writeSecretFile(Array(key.utf8), to: dir.file("twin.sqlite.key"))
        _ = try Fixtures.open(dir, identity: identity)
        chmod(dir.file("twin.sqlite.key"), 0o644)
        #expect { try Fixtures.open(dir, identity: identity) } throws: { error in
            (error as? HiveError)?.code == .keyFile
        }
    }

    @Test("the field cipher binds ciphertext to its row and rejects tampering")
    func cipherBinding() throws {
        let cipher = try FieldCipher(key: FieldCipher.generateKey())
        let sealed = try cipher.seal("watched 95% of Heat", context: "episodes.input.a")
        #expect(try cipher.open(sealed, context: "episodes.input.a") == "watched 95% of Heat")
        #expect { try cipher.open(sealed, context: "episodes.input.b") } throws: { ($0 as? HiveError)?.code == .inconsistent }
        var flipped = sealed
        flipped[flipped.count - 1] ^= 1
        #expect { try cipher.open(flipped, context: "episodes.input.a") } throws: { ($0 as? HiveError)?.code == .inconsistent }
        #expect { try cipher.open(Data([1, 2, 3]), context: "x") } throws: { ($0 as? HiveError)?.code == .malformed }
        #expect(throws: HiveError.self) { try FieldCipher(key: [1, 2, 3]) }
    }

    @Test("a file that is not a database and a truncated key file give specific errors")
    func malformedFiles() throws {
        let dir = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: dir.file("junk.sqlite"), contents: Data(repeating: 0x42, count: 8192))
        #expect { try Fixtures.open(dir, name: "junk.sqlite") } throws: { error in
            guard let error = error as? HiveError else { return false }
            return error.code == .io && error.message.contains("junk.sqlite")
        }
        let identity = NodeIdentity.generate()
        do { _ = try Fixtures.open(dir, identity: identity) }
        let keyPath = dir.file("twin.sqlite.key")
        let key = try Data(contentsOf: URL(fileURLWithPath: keyPath))
        try FileManager.default.removeItem(atPath: keyPath)
        try KeyFile.writeSecretFile(Array(key.prefix(20)), to: keyPath)
        #expect { try Fixtures.open(dir, identity: identity) } throws: { ($0 as? HiveError)?.code == .keyFile }
    }
}
