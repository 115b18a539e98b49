import Synchronization

/// A shared counter that escaping task closures can capture (an `Atomic` itself cannot be captured).
final class LoadCounter: Sendable {
    private let value = Atomic<Int>(0)

    init() {}

    /// Adds `delta` and returns the value before.
    @discardableResult
    func next(_ delta: Int = 1) -> Int { value.add(delta, ordering: .relaxed).oldValue }

    var current: Int { value.load(ordering: .relaxed) }
}
