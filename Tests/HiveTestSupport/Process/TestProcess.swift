import Foundation

/// A child process started by a test: its stdout is a pipe the test reads line by line, and the
/// test ends it with ``kill()`` (SIGKILL, as a crash would) or ``terminate()``.
// Invariant for @unchecked: `buffer` is only touched by the one test task that owns this value;
// `Process` and `Pipe` are safe to signal and wait on from any thread.
public final class TestProcess: @unchecked Sendable {
    /// Where the child's stderr goes.
    public enum StandardError: Sendable {
        /// The test runner's own stderr.
        case inherit
        /// Discarded (`/dev/null`).
        case discard
        /// A pipe of its own, readable through ``errors``.
        case capture
    }

    public let process = Process()
    /// The child's stdout.
    public let output = Pipe()
    /// The child's stdin when started with `standardInput: true`.
    public let input: Pipe?
    /// The child's stderr when started with `standardError: .capture`.
    public let errors: Pipe?
    private var buffer = Data()

    /// Starts `executable` with `arguments`.
    public init(
        _ executable: String, _ arguments: [String], standardInput: Bool = false, standardError: StandardError = .inherit
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        input = standardInput ? Pipe() : nil
        if let input { process.standardInput = input }
        switch standardError {
        case .inherit: errors = nil
        case .discard:
            errors = nil
            process.standardError = FileHandle.nullDevice
        case .capture:
            let pipe = Pipe()
            errors = pipe
            process.standardError = pipe
        }
        try process.run()
    }

    /// The next line of stdout (without its newline), or nil once stdout has ended or `deadline`
    /// has passed. Blocks while the child is silent: the deadline is checked between reads.
    public func readLine(before deadline: Date) -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            guard Date() < deadline else { return nil }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    /// Keeps draining stdout in the background so the child never blocks on a full pipe.
    public func discardFurtherOutput() {
        output.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
    }

    /// SIGKILLs the child if it is still running, then waits for it to exit.
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Sends SIGTERM if the child is still running (does not wait).
    public func terminate() {
        if process.isRunning { process.terminate() }
    }

    /// What a finished child printed and how it ended.
    public struct Result: Sendable {
        public let status: Int32
        /// stdout and stderr, interleaved as written.
        public let output: String
    }

    /// Runs `executable` to completion with stdout and stderr on one pipe.
    public static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = arguments
        let pipe = Pipe()
        child.standardOutput = pipe
        child.standardError = pipe
        try child.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        return Result(status: child.terminationStatus, output: String(decoding: output, as: UTF8.self))
    }
}
