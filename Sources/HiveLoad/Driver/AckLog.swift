import Foundation
import HiveCore
import Synchronization

/// Appends the id of every envelope the target acknowledged (accepted or already stored), one
/// per line, so the chaos check can look each one up in the database afterwards.
public final class AckLog: Sendable {
    public let path: String
    private let state: Mutex<State>

    struct State {
        var handle: FileHandle?
        var buffer: [UInt8] = []
        var count = 0
    }

    /// Creates (or truncates) the file.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil) , let handle = FileHandle(forWritingAtPath: path) else {
            throw HiveError(.io, "cannot create the acknowledgement log \(path)")
        }
        state = Mutex(State(handle: handle))
    }

    public func record(_ id: String) {
        let full: [UInt8]? = state.withLock { state in
            state.buffer += Array(id.utf8)
            state.buffer.append(UInt8(ascii: "\n"))
            state.count += 1
            guard state.buffer.count >= 1 << 16 else { return nil }
            defer { state.buffer.removeAll(keepingCapacity: true) }
            return state.buffer
        }
        if let full { write(full) }
    }

    public var count: Int { state.withLock { $0.count } }

    /// Writes what is buffered and syncs the file.
    public func flush() {
        let pending = state.withLock { state -> [UInt8] in
            defer { state.buffer.removeAll(keepingCapacity: true) }
            return state.buffer
        }
        write(pending)
        state.withLock { try? $0.handle?.synchronize() }
    }

    public func close() {
        flush()
        state.withLock { state in
            try? state.handle?.close()
            state.handle = nil
        }
    }

    private func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        // Writes are serialised by the lock so lines from two flushes never interleave.
        state.withLock { try? $0.handle?.write(contentsOf: Data(bytes)) }
    }
}
