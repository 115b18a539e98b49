import Foundation
import HiveCore
import HiveVectors
import Testing

@testable import HiveEmbeddings

@Suite("BERT embedder on a tiny generated model")
struct MiniLMEmbedderTests {
    func errorMessage(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("vectors are unit length, deterministic, and independent of batching")
    func batching() throws {
        let directory = try TestModel.write(to: TestModel.temporaryDirectory())
        let embedder = try MiniLMEmbedder(directory: directory, batchSize: 3)
        #expect(embedder.dimensions == 16)
        let texts = [
            "hello world", "the cat sat on the mat.", "", "unaffable", "中国 run!", "eating cats",
            String(repeating: "x", count: 100_000),
        ]
        let batched = embedder.embed(texts)
        #expect(batched.count == texts.count)
        for (text, vector) in zip(texts, batched) {
            let single = embedder.embed([text])[0]
            #expect(vector.count == 16)
            #expect(vector.allSatisfy { $0.isFinite })
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            #expect(DistanceMetric.cosineSimilarity(vector, single) > 0.99999, "batch vs single for \(text.prefix(20))")
        }
        #expect(embedder.embed(texts) == batched)
        #expect(embedder.embed([]) == [])
    }

    @Test("a 100,000-character text is truncated to 256 tokens, not a crash")
    func longText() throws {
        let embedder = try MiniLMEmbedder(directory: try TestModel.write(to: TestModel.temporaryDirectory()))
        let text = String(repeating: "hello world ", count: 100_000 / 12)
        #expect(embedder.tokenize(text).count == 256)
        #expect(embedder.embed([text])[0].allSatisfy { $0.isFinite })
    }

    @Test("portable and BLAS backends agree, with one and two threads")
    func backendsAgree() throws {
        let directory = try TestModel.write(to: TestModel.temporaryDirectory())
        // Long enough to take the GEMM attention path as well as the fused one.
        let texts = ["hello world", String(repeating: "the cat sat ", count: 40), "run"]
        let reference = try MiniLMEmbedder(directory: directory, backend: .portable).embed(texts)
        for backend in MatrixBackend.allCases {
            for threads in [1, 2] {
                let vectors = try MiniLMEmbedder(directory: directory, threads: threads, backend: backend).embed(texts)
                for (a, b) in zip(reference, vectors) {
                    #expect(DistanceMetric.cosineSimilarity(a, b) > 0.99999, "\(backend) threads \(threads)")
                }
            }
        }
    }

    @Test("model ID carries the weights hash")
    func modelID() throws {
        let a = try MiniLMEmbedder(directory: try TestModel.write(to: TestModel.temporaryDirectory(), seed: 1))
        let b = try MiniLMEmbedder(directory: try TestModel.write(to: TestModel.temporaryDirectory(), seed: 2))
        #expect(a.modelID.hasPrefix("all-MiniLM-L6-v2@"))
        #expect(a.modelID != b.modelID)
    }

    @Test("a missing model says how to install it, naming the file")
    func missingModel() throws {
        let empty = TestModel.temporaryDirectory("empty")
        let message = errorMessage { _ = try MiniLMEmbedder(directory: empty) }
        #expect(message.contains("config.json"))
        #expect(message.contains("hive model install"))
        let directory = try TestModel.write(to: TestModel.temporaryDirectory())
        try FileManager.default.removeItem(at: directory.appendingPathComponent("model.safetensors"))
        #expect(errorMessage { _ = try MiniLMEmbedder(directory: directory) }.contains("model.safetensors"))
    }

    @Test("corrupt files are errors naming the file")
    func corruptFiles() throws {
        let directory = try TestModel.write(to: TestModel.temporaryDirectory())
        try Data("{not json".utf8).write(to: directory.appendingPathComponent("config.json"))
        #expect(errorMessage { _ = try MiniLMEmbedder(directory: directory) }.contains("config.json"))

        let other = try TestModel.write(to: TestModel.temporaryDirectory())
        try Data([0xC3, 0x28, 0x0A]).write(to: other.appendingPathComponent("vocab.txt"))
        #expect(errorMessage { _ = try MiniLMEmbedder(directory: other) }.contains("vocab.txt"))

        let truncated = try TestModel.write(to: TestModel.temporaryDirectory())
        let weights = truncated.appendingPathComponent("model.safetensors")
        let bytes = try Data(contentsOf: weights)
        try bytes.prefix(bytes.count / 2).write(to: weights)
        #expect(errorMessage { _ = try MiniLMEmbedder(directory: truncated) }.contains("model.safetensors"))
    }

    @Test("a config whose dimensions disagree with the weights is a clear error")
    func otherDimensions() throws {
        var wide = TestModel.config
        wide.hiddenSize = 32
        wide.headCount = 4
        let directory = try TestModel.write(
            to: TestModel.temporaryDirectory(), config: wide, weightsConfig: TestModel.config)
        let message = errorMessage { _ = try MiniLMEmbedder(directory: directory) }
        #expect(message.contains("dimension-mismatch"))
        #expect(message.contains("config.json implies"))

        var odd = TestModel.config
        odd.headCount = 3
        let oddDirectory = try TestModel.write(
            to: TestModel.temporaryDirectory(), config: odd, weightsConfig: TestModel.config)
        #expect(errorMessage { _ = try MiniLMEmbedder(directory: oddDirectory) }.contains("divisible"))
    }

    @Test("bad settings are rejected")
    func settings() throws {
        let directory = try TestModel.write(to: TestModel.temporaryDirectory())
        #expect(throws: HiveError.self) { try MiniLMEmbedder(directory: directory, threads: 0) }
        #expect(throws: HiveError.self) { try MiniLMEmbedder(directory: directory, batchSize: 0) }
    }
}

@Suite("model installation")
struct ModelStoreTests {
    @Test("installs, records hashes, and verifies")
    func install() throws {
        let source = try TestModel.write(to: TestModel.temporaryDirectory("source"))
        let destination = TestModel.temporaryDirectory("dest").appendingPathComponent("all-MiniLM-L6-v2")
        let manifest = try ModelStore.install(from: source, to: destination)
        #expect(manifest.files["model.safetensors"]?.sha256.count == 64)
        #expect(try ModelStore.verify(destination).isEmpty)
        let embedder = try MiniLMEmbedder(directory: destination)
        #expect(embedder.modelID.hasSuffix(String(manifest.files["model.safetensors"]!.sha256.prefix(16))))
        // Tampering is detected.
        try Data("[PAD]\n".utf8).write(to: destination.appendingPathComponent("vocab.txt"))
        #expect(try ModelStore.verify(destination) == ["vocab.txt"])
    }

    @Test("a hash mismatch or missing file fails and leaves the destination unchanged")
    func failedInstall() throws {
        let good = try TestModel.write(to: TestModel.temporaryDirectory("good"))
        let destination = TestModel.temporaryDirectory("dest").appendingPathComponent("model")
        try ModelStore.install(from: good, to: destination)
        let before = try Data(contentsOf: destination.appendingPathComponent("model.safetensors"))

        let other = try TestModel.write(to: TestModel.temporaryDirectory("other"), seed: 99)
        do {
            try ModelStore.install(
                from: other, to: destination, expectedSHA256: ["model.safetensors": String(repeating: "0", count: 64)])
            Issue.record("expected a hash mismatch")
        } catch {
            #expect(error.message.contains("model.safetensors"))
        }
        try FileManager.default.removeItem(at: other.appendingPathComponent("vocab.txt"))
        do {
            try ModelStore.install(from: other, to: destination)
            Issue.record("expected a missing-file error")
        } catch {
            #expect(error.message.contains("vocab.txt"))
        }
        #expect(try Data(contentsOf: destination.appendingPathComponent("model.safetensors")) == before)
    }

    @Test("weights holding NaN are refused at install, naming the tensor")
    func nonFiniteWeights() throws {
        let source = TestModel.temporaryDirectory("nan")
        try TestModel.write(to: source)
        var tensors = TestModel.tensors(config: TestModel.config)
        let index = try #require(tensors.firstIndex { $0.name == "encoder.layer.1.output.dense.bias" })
        tensors[index].values[3] = .nan
        try TestModel.safetensors(tensors).write(to: source.appendingPathComponent("model.safetensors"))
        let destination = TestModel.temporaryDirectory("dest").appendingPathComponent("model")
        do {
            try ModelStore.install(from: source, to: destination)
            Issue.record("expected NaN weights to be refused")
        } catch {
            #expect(error.message.contains("encoder.layer.1.output.dense.bias"))
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }

    @Test("default directory honours HIVE_MODEL_DIR")
    func defaultDirectory() {
        #expect(ModelStore.defaultDirectory(environment: ["HIVE_MODEL_DIR": "/x/y"]).path == "/x/y")
        #expect(
            ModelStore.defaultDirectory(environment: ["HOME": "/home/u"]).path
                == "/home/u/.cache/hive/models/all-MiniLM-L6-v2")
    }
}

@Suite("hashing embedder")
struct HashingEmbedderTests {
    @Test("deterministic, unit length, shared words raise similarity")
    func basics() throws {
        let embedder = try HashingEmbedder(dimensions: 64)
        let v = embedder.embed(["the cat sat", "the cat sat", "a cat sat down", "quantum chromodynamics"])
        #expect(v[0] == v[1])
        #expect(abs(v[0].reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        #expect(DistanceMetric.cosineSimilarity(v[0], v[2]) > DistanceMetric.cosineSimilarity(v[0], v[3]))
        #expect(embedder.embed([""])[0].allSatisfy { $0 == 0 })
        #expect(embedder.modelID == "hashing-ngram-v1:d64:n2")
        #expect(throws: HiveError.self) { try HashingEmbedder(dimensions: 0) }
    }
}
