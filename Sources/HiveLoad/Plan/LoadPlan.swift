/// How hard and how long to drive the target.
public struct LoadPlan: Sendable, Codable {
    public var target: LoadTarget
    /// Intended requests per second, open loop (sends follow the schedule whatever the answers);
    /// 0 means closed loop: each connection sends its next request as soon as the last one answers.
    public var rate: Double
    public var durationSeconds: Double
    public var connections: Int
    public var mix: LoadMix
    /// Seconds between progress lines (hub RSS/CPU, window p95).
    public var sampleSeconds: Double
    /// Most requests waiting at once; beyond it a scheduled send is dropped and counted as
    /// `client-backlog` (the target is not keeping up).
    public var maxInFlight: Int
    /// With a library, skills requests publish and search its intents, and every search's answer
    /// is checked against the pre-loaded traces it must contain (a wrong answer is an error).
    public var library: SkillLibrary?

    public init(
        target: LoadTarget = .hive, rate: Double, durationSeconds: Double, connections: Int, mix: LoadMix,
        sampleSeconds: Double = 5, maxInFlight: Int? = nil, library: SkillLibrary? = nil
    ) {
        self.library = library
        self.target = target
        self.rate = rate
        self.durationSeconds = durationSeconds
        self.connections = connections
        self.mix = mix
        self.sampleSeconds = sampleSeconds
        self.maxInFlight = maxInFlight ?? max(1000, connections * 64)
    }
}
