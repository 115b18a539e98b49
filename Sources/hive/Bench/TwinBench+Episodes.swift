import Foundation
import HiveCore
import HiveTwin

extension TwinBenchRun {
    /// Episodes stored one per transaction and in batches (filled in when the embedder lands).
    func episodes(into report: inout BenchReport, failures: inout [String]) throws {}
}
