import Foundation
import HiveCore

/// Readers for the Linux /proc files the load generator samples. Parsing is separate from
/// reading so it can be tested on fixed text.
public enum ProcStat {
    /// Clock ticks per second for /proc/PID/stat times.
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// utime + stime (ticks) and RSS (pages) from the text of /proc/PID/stat. The command name
    /// (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
    public static func parseStat(_ text: String) throws -> (cpuTicks: Int64, rssPages: Int64) {
        guard let close = text.lastIndex(of: ")") else { throw HiveError(.malformed, "/proc stat has no command name") }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // After ')': field 3 (state) is fields[0], so field N is fields[N - 3].
        guard fields.count > 21, let utime = Int64(fields[11]), let stime = Int64(fields[12]), let rss = Int64(fields[21]) else {
            throw HiveError(.malformed, "/proc stat has too few fields")
        }
        return (utime + stime, rss)
    }

    /// Reads /proc/PID/stat; nil when the process is gone.
    public static func read(pid: Int32) -> (cpuTicks: Int64, rssBytes: Int64)? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
            let parsed = try? parseStat(String(decoding: data, as: UTF8.self))
        else { return nil }
        return (parsed.cpuTicks, parsed.rssPages * pageSize)
    }

    /// Socket inodes listening on `port` in the text of /proc/net/tcp or /proc/net/tcp6.
    public static func listeningInodes(port: Int, in table: String) -> [UInt64] {
        var inodes: [UInt64] = []
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode
            guard fields.count > 9, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":"),
                let localPort = Int(fields[1][fields[1].index(after: colon)...], radix: 16), localPort == port,
                let inode = UInt64(fields[9])
            else { continue }
            inodes.append(inode)
        }
        return inodes
    }

    /// The process listening on TCP `port` on this machine, found through /proc/net/tcp{,6} and
    /// the socket links under /proc/*/fd; nil if none is visible.
    public static func pidListening(onPort port: Int) -> Int32? {
        var inodes = Set<UInt64>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let data = FileManager.default.contents(atPath: table) else { continue }
            inodes.formUnion(listeningInodes(port: port, in: String(decoding: data, as: UTF8.self)))
        }
        guard !inodes.isEmpty else { return nil }
        let targets = Set(inodes.map { "socket:[\($0)]" })
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry) else { continue }
            let fdDirectory = "/proc/\(entry)/fd"
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: fdDirectory) else { continue }
            for fd in fds {
                if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(fd)"), targets.contains(link) {
                    return pid
                }
            }
        }
        return nil
    }
}
