import Foundation
import HiveCore

@testable import HiveEmbeddings

/// The safetensors header parser, through the real memory-mapped path: the input is written to a
/// file and opened like a model file; whatever parses must have every F32 tensor readable in full.
enum SafeTensorsFuzz {
    static let url = FuzzFile.url(name: "model.safetensors")

    static func run(_ data: [UInt8]) {
        guard FuzzFile.write(data, to: url) else { return }
        guard let file = try? SafeTensors(contentsOf: url) else { return }
        for (name, tensor) in file.tensors {
            guard tensor.byteRange.lowerBound >= 8, tensor.byteRange.upperBound <= data.count else {
                fatalError("tensor \(name) range \(tensor.byteRange) lies outside the \(data.count)-byte file")
            }
            guard tensor.dtype == "F32" else { continue }
            guard let storage = try? file.floats(name, shape: tensor.shape) else {
                fatalError("a parsed F32 tensor \(name) could not be read")
            }
            var sum: Float = 0
            for index in 0..<storage.count { sum += storage.pointer[index] }
            _ = sum
        }
        _ = file.firstNonFiniteTensor()
    }
}

/// A per-process scratch file for inputs that must come from disk (tmpfs when available).
enum FuzzFile {
    static func url(name: String) -> URL {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return URL(fileURLWithPath: base).appendingPathComponent("hive-fuzz-\(getpid())-\(name)")
    }

    static func write(_ bytes: [UInt8], to url: URL) -> Bool {
        (try? Data(bytes).write(to: url)) != nil
    }
}
