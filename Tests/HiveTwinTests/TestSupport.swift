import Foundation
import HiveCore
import HiveEmbeddings
import Synchronization
@testable import HiveTwin

/// A fresh directory under the system temp dir, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("hive-twin-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A settable wall clock, ms since the epoch.
final class ManualClock: Sendable {
    private let value: Mutex<UInt64>
    init(_ ms: UInt64 = 1_763_700_000_000) { value = Mutex(ms) }
    var ms: UInt64 {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
    func advance(_ delta: UInt64) { value.withLock { $0 += delta } }
    var reader: @Sendable () -> UInt64 { { [self] in self.ms } }
}

enum Fixtures {
    static func open(
        _ dir: TemporaryDirectory, name: String = "twin.sqlite", identity: NodeIdentity = .generate(), user: String = "viewer",
        clock: ManualClock? = nil, configure: (inout TwinStoreConfiguration) -> Void = { _ in }
    ) throws -> TwinStore {
        var configuration = TwinStoreConfiguration()
        configuration.durability = .normal
        if let clock { configuration.clockMs = clock.reader }
        configure(&configuration)
        return try TwinStore(path: dir.file(name), identity: identity, userID: user, configuration: configuration)
    }
}

extension SeededGenerator {
    mutating func vector(_ dimensions: Int) -> [Float] {
        (0..<dimensions).map { _ in Float.random(in: -1...1, using: &self) }
    }
}

func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var dot: Float = 0, na: Float = 0, nb: Float = 0
    for i in a.indices {
        dot += a[i] * b[i]
        na += a[i] * a[i]
        nb += b[i] * b[i]
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

extension Fixtures {
    /// The explicit hashing embedder: deterministic, no model download (never a silent fallback).
    static func embedder(dimensions: Int = 64) throws -> any Embedder {
        try HashingEmbedder(dimensions: dimensions)
    }

    static func reflexion(_ store: TwinStore, dimensions: Int = 64, reembed: Bool = false) throws -> ReflexionMemory {
        try ReflexionMemory(store: store, embedder: embedder(dimensions: dimensions), reembedOnModelChange: reembed)
    }

    static func skills(_ store: TwinStore, dimensions: Int = 64) throws -> SkillLibrary {
        try SkillLibrary(store: store, embedder: embedder(dimensions: dimensions))
    }
}
