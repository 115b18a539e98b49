/// A process's resident memory and CPU use at one moment, from /proc.
public struct ProcessSample: Sendable, Codable, Hashable {
    /// Seconds since the run started.
    public var elapsedSeconds: Double
    public var pid: Int32
    public var rssBytes: Int64
    /// CPU time (user + system) since the previous sample as a percentage of one core (200 = two cores busy).
    public var cpuPercent: Double?
}
