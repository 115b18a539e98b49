import Foundation
import HiveCore
import HiveMesh

/// Requests to a running `hive mesh join` from other `hive mesh` commands: a request file dropped
/// into `DIR/control/` (0700, owner only), picked up by the node within one status interval, and
/// answered with a `.result` file next to it. The node stays the only process that writes its twin
/// store, so its HLC clock and its view of the snapshot stay the truth.
enum MeshControl {
    static func directory(_ meshDirectory: String) -> String { (meshDirectory as NSString).appendingPathComponent("control") }

    /// Writes `request` for the node running in `meshDirectory` and waits for its answer.
    static func submit(_ request: MeshControlRequest, meshDirectory: String, timeoutSeconds: Double) throws -> MeshControlResult {
        let directory = directory(meshDirectory)
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let name = String(format: "%013llu-", UInt64(Date().timeIntervalSince1970 * 1_000)) + UUID().uuidString.lowercased()
        let path = (directory as NSString).appendingPathComponent(name + ".json")
        let data = try HiveJSON.encode(request)
        guard FileManager.default.createFile(atPath: path + ".tmp", contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw HiveError(.io, "cannot write the control request \(path)")
        }
        try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        let resultPath = (directory as NSString).appendingPathComponent(name + ".result")
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if let answer = FileManager.default.contents(atPath: resultPath) {
                try? FileManager.default.removeItem(atPath: resultPath)
                return try HiveJSON.decode(MeshControlResult.self, from: answer)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        try? FileManager.default.removeItem(atPath: path)
        throw HiveError(.unavailable, "no answer from the node in \(meshDirectory) within \(timeoutSeconds) s: is `hive mesh join` running there?")
    }

    /// Runs every pending request in `meshDirectory` against `node`, oldest first.
    static func serve(node: MeshNode, meshDirectory: String) async {
        let directory = directory(meshDirectory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names.filter({ $0.hasSuffix(".json") }).sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            let result: MeshControlResult
            do {
                guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else {
                    throw HiveError(.invalidInput, "control request is missing or larger than 1 MiB")
                }
                result = try await perform(try HiveJSON.decode(MeshControlRequest.self, from: data), on: node)
            } catch let error as HiveError {
                result = MeshControlResult(ok: false, error: error.description)
            } catch {
                result = MeshControlResult(ok: false, error: "\(error)")
            }
            try? FileManager.default.removeItem(atPath: path)
            let resultPath = (directory as NSString).appendingPathComponent(String(name.dropLast(5)) + ".result")
            if let data = try? HiveJSON.encode(result) {
                _ = FileManager.default.createFile(atPath: resultPath + ".tmp", contents: data, attributes: [.posixPermissions: 0o600])
                try? FileManager.default.moveItem(atPath: resultPath + ".tmp", toPath: resultPath)
            }
        }
    }

    private static func perform(_ request: MeshControlRequest, on node: MeshNode) async throws -> MeshControlResult {
        switch request.op {
        case .set:
            guard let key = request.key, let value = request.value else {
                throw HiveError(.invalidInput, "set needs a key and a value")
            }
            try node.snapshots.set(key, value)
            return MeshControlResult(ok: true)
        case .get:
            guard let key = request.key else { throw HiveError(.invalidInput, "get needs a key") }
            return MeshControlResult(ok: true, value: try node.snapshots.value(key) ?? .null)
        case .isolate:
            await node.isolate(true)
            return MeshControlResult(ok: true)
        case .heal:
            await node.isolate(false)
            return MeshControlResult(ok: true)
        }
    }
}
