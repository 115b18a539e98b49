import Foundation
import Synchronization

/// Runs independent jobs side by side on a fixed number of lanes (threads). A lane takes the
/// next job when it finishes one (work-stealing: jobs differ in cost), so both cores stay busy
/// until the queue is empty; list the longest jobs first to keep the tail short.
public enum Lanes {
    /// Runs every job and returns their results in `jobs` order. Throws the first error a job
    /// threw; jobs not yet started are then skipped.
    public static func run<T: Sendable>(
        _ jobs: [@Sendable () throws -> T], lanes: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> [T] {
        guard !jobs.isEmpty else { return [] }
        let results = Mutex<[T?]>(Array(repeating: nil, count: jobs.count))
        let failure = Mutex<(any Error)?>(nil)
        let next = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(lanes, jobs.count))) { _ in
            while true {
                let index = next.withLock { value -> Int in
                    defer { value += 1 }
                    return value
                }
                guard index < jobs.count, failure.withLock({ $0 == nil }) else { return }
                do {
                    let result = try jobs[index]()
                    results.withLock { $0[index] = result }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0 }.compactMap { $0 }
    }
}
