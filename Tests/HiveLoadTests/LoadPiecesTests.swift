import Foundation
import HiveCore
import Testing

@testable import HiveLoad

@Suite("Load-test pieces")
struct LoadPiecesTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "hive-load-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("identity cache: generates, persists 0600, reloads the same keys and extends")
    func identityCacheRoundTrip() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = LoadIdentityCache(path: directory + "/ids.bin")
        let first = try cache.load(count: 50)
        #expect(first.generated == 50)
        var info = stat()
        #expect(stat(cache.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let again = try cache.load(count: 30)
        #expect(again.generated == 0)
        #expect(again.identities.map(\.publicKey) == Array(first.identities.prefix(30)).map(\.publicKey))
        let more = try cache.load(count: 80)
        #expect(more.generated == 30)
        #expect(Array(more.identities.prefix(50)).map(\.publicKey) == first.identities.map(\.publicKey))
        #expect(Set(more.identities.map(\.publicKeyHex)).count == 80)
    }

    @Test("identity cache: refuses a world-readable, truncated or foreign file and bad counts")
    func identityCacheRejects() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = LoadIdentityCache(path: directory + "/ids.bin")
        _ = try cache.load(count: 4)
        chmod(cache.path, 0o644)
        #expect(throws: HiveError.self) { try cache.load(count: 4) }
        chmod(cache.path, 0o600)
        let bytes = try #require(FileManager.default.contents(atPath: cache.path))
        try KeyFile.writeSecretFile(Array(bytes.dropLast(5)), to: cache.path)
        #expect(throws: HiveError.self) { try cache.load(count: 4) }
        try KeyFile.writeSecretFile(Array("not a cache at all".utf8), to: cache.path)
        #expect(throws: HiveError.self) { try cache.load(count: 4) }
        #expect(throws: HiveError.self) { try cache.load(count: 0) }
        #expect(throws: HiveError.self) { try cache.load(count: LoadIdentityCache.maxCount + 1) }
        // The refused file is left as it was.
        #expect(FileManager.default.contents(atPath: cache.path) == Data("not a cache at all".utf8))
    }

    @Test("mix: parses, normalises, follows the weights and rejects bad input")
    func mix() throws {
        let mix = try LoadMix(parsing: "push=3, pull=1")
        #expect(mix.weights[.push] == 0.75)
        #expect(mix.weights[.skills] == nil)
        var counts: [LoadOperation: Int] = [:]
        for index in 0..<10_000 { counts[mix.operation(for: index), default: 0] += 1 }
        #expect(abs(counts[.push, default: 0] - 7500) < 50)
        #expect(counts[.skills] == nil)
        for bad in ["", "push", "push=-1", "push=nan", "push=inf", "fly=1", "push=0", "push=1,push=2", "push=x"] {
            #expect(throws: HiveError.self, "\(bad)") { try LoadMix(parsing: bad) }
        }
    }

    @Test("loopback guard: loopback passes, other hosts need --allow-remote, junk is refused")
    func loopback() throws {
        for url in ["http://127.0.0.1:8433", "http://localhost:1", "http://[::1]:80", "https://127.9.8.7"] {
            try LoadTarget.checkLoopback(url, allowRemote: false)
        }
        for url in ["http://10.0.0.1:8433", "http://example.com", "http://127.0.0.1.evil.com", "http://1270.0.0.1"] {
            #expect(throws: HiveError.self, "\(url)") { try LoadTarget.checkLoopback(url, allowRemote: false) }
            try LoadTarget.checkLoopback(url, allowRemote: true)
        }
        for url in ["ftp://127.0.0.1", "127.0.0.1:80", "not a url"] {
            #expect(throws: HiveError.self, "\(url)") { try LoadTarget.checkLoopback(url, allowRemote: true) }
        }
    }

    @Test("/proc parsing: stat fields after a command name with spaces, listening sockets by port")
    func procParsing() throws {
        let stat = "1234 (hive serve (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 555 1000000 4321 18446744073709551615"
        let parsed = try ProcStat.parseStat(stat)
        #expect(parsed.cpuTicks == 300)
        #expect(parsed.rssPages == 4321)
        #expect(throws: HiveError.self) { try ProcStat.parseStat("1234 (short) S 1 2") }
        #expect(throws: HiveError.self) { try ProcStat.parseStat("no parenthesis") }
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:20F1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0
               1: 0100007F:20F1 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 888 1 0
               2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0
            """
        #expect(ProcStat.listeningInodes(port: 8433, in: table) == [777])
        #expect(ProcStat.listeningInodes(port: 8080, in: table) == [999])
        #expect(ProcStat.listeningInodes(port: 1, in: table).isEmpty)
        // This test process is alive: it can be sampled.
        #expect(ProcStat.read(pid: getpid()) != nil)
    }

    @Test("ack log: every recorded id reaches the file, one per line")
    func ackLog() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try AckLog(path: directory + "/acks.txt")
        let ids = (0..<5000).map { "envelope-\($0)" }
        for id in ids { log.record(id) }
        log.close()
        let text = try String(contentsOfFile: directory + "/acks.txt", encoding: .utf8)
        #expect(text.split(separator: "\n").map(String.init) == ids)
        #expect(log.count == 5000)
    }
}
