import Foundation
import Testing
@testable import HiveCore

@Suite("Identities and key files")
struct IdentityTests {
    private func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "hive-keys-\(UUID().uuidString)"
        return path
    }

    @Test("a missing key directory is created with a 0600 key; reload gives the same ids")
    func createAndReload() throws {
        let directory = temporaryDirectory() + "/nested/keys"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = KeyFile(directory: directory)
        let created = try file.create()
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let loaded = try file.load()
        #expect(loaded.nodeID == created.nodeID)
        #expect(try loaded.twin(forUser: "alice").twinID == created.twin(forUser: "alice").twinID)
        #expect(throws: HiveError.self) { try file.create() }  // never overwrites
    }

    @Test("a 0644 key file is refused with a message saying how to fix it")
    func refusesWorldReadable() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = KeyFile(directory: directory)
        try file.create()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let error = try #require(throws: HiveError.self) { try file.load() }
        #expect(error.code == .keyFile)
        #expect(error.message.contains("chmod 600"))
    }

    @Test("a corrupt key file is refused")
    func refusesCorrupt() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = KeyFile(directory: directory)
        try KeyFile(directory: directory).write(.generate())
        try KeyFile.writeSecretFile(Array("{\"format\":\"hive.node-key.v1\",\"ed25519_private_key\":\"AAAA\"}".utf8), to: file.path)
        #expect(throws: HiveError.self) { try file.load() }
    }

    @Test("node id is 26 lowercase base32 characters of SHA-256(public key)")
    func nodeIDShape() {
        let identity = NodeIdentity.generate()
        #expect(identity.nodeID.count == 26)
        #expect(identity.nodeID.allSatisfy { "abcdefghijklmnopqrstuvwxyz234567".contains($0) })
    }

    @Test("twin ids are stable per user and device and differ across users and devices")
    func twinIDs() throws {
        let device = NodeIdentity.generate()
        let other = NodeIdentity.generate()
        #expect(try device.twin(forUser: "alice").twinID == device.twin(forUser: "alice").twinID)
        #expect(try device.twin(forUser: "alice").twinID != device.twin(forUser: "bob").twinID)
        #expect(try device.twin(forUser: "alice").twinID != other.twin(forUser: "alice").twinID)
        #expect(throws: HiveError.self) { try device.twin(forUser: "") }
        #expect(throws: HiveError.self) { try device.twin(forUser: "a\u{7}b") }
    }

    @Test("base32 matches RFC 4648 test vectors (lowercase, unpadded)")
    func base32() {
        #expect(Base32.encode(Array("".utf8)) == "")
        #expect(Base32.encode(Array("f".utf8)) == "my")
        #expect(Base32.encode(Array("fo".utf8)) == "mzxq")
        #expect(Base32.encode(Array("foo".utf8)) == "mzxw6")
        #expect(Base32.encode(Array("foob".utf8)) == "mzxw6yq")
        #expect(Base32.encode(Array("fooba".utf8)) == "mzxw6ytb")
        #expect(Base32.encode(Array("foobar".utf8)) == "mzxw6ytboi")
    }
}
