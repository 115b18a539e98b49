import Foundation
import HiveCore
import HiveVectors
import Testing

@testable import HiveEmbeddings

/// The reference cases from scripts/fixtures/embeddings.py (sentence-transformers).
struct ParityFixture: Decodable {
    struct Case: Decodable {
        var text: String
        var ids: [Int32]
        var embedding: [Float]
    }

    var model: String
    var weights_sha256: String
    var max_length: Int
    var cases: [Case]

    static func load() throws -> ParityFixture {
        guard let url = Bundle.module.url(forResource: "Fixtures/embeddings", withExtension: "json") else {
            throw HiveError(.notFound, "Fixtures/embeddings.json is missing from the test bundle")
        }
        return try JSONDecoder().decode(ParityFixture.self, from: Data(contentsOf: url))
    }
}

enum InstalledModel {
    static let directory = ModelStore.defaultDirectory()
    static let isInstalled = FileManager.default.fileExists(
        atPath: directory.appendingPathComponent("model.safetensors").path)
    static let required = ProcessInfo.processInfo.environment["HIVE_REQUIRE_MODEL"] == "1"
    static let skipNote: Comment =
        "all-MiniLM-L6-v2 NOT INSTALLED at \(directory.path): parity tests skipped (run `swift run hive model install`)"
}

@Suite("parity with sentence-transformers (needs the installed model)")
struct ParityTests {
    @Test("the model is installed, or this run says loudly that parity was not checked")
    func modelPresence() {
        if !InstalledModel.isInstalled {
            let banner = String(repeating: "!", count: 100)
            print("\(banner)\nWARNING: \(InstalledModel.skipNote)\n\(banner)")
            if InstalledModel.required {
                Issue.record("HIVE_REQUIRE_MODEL=1 but the model is missing: \(InstalledModel.skipNote)")
            }
        }
    }

    @Test(
        "token ids are identical for every fixture sentence",
        .enabled(if: InstalledModel.isInstalled, InstalledModel.skipNote))
    func tokenIDs() throws {
        let fixture = try ParityFixture.load()
        #expect(fixture.cases.count >= 100)
        let embedder = try MiniLMEmbedder(directory: InstalledModel.directory)
        for item in fixture.cases {
            let ids = embedder.tokenize(item.text)
            #expect(ids == item.ids, "text: \(item.text.debugDescription.prefix(80))")
        }
    }

    @Test(
        "embeddings have cosine ≥ 0.9999 with the reference, per backend",
        .enabled(if: InstalledModel.isInstalled, InstalledModel.skipNote),
        arguments: MatrixBackend.allCases)
    func embeddings(backend: MatrixBackend) throws {
        let fixture = try ParityFixture.load()
        let embedder = try MiniLMEmbedder(directory: InstalledModel.directory, backend: backend)
        #expect(
            embedder.modelID.hasSuffix(String(fixture.weights_sha256.prefix(16))), "fixture made with other weights")
        let cases = fixture.cases
        let vectors = embedder.embed(cases.map(\.text))
        var worst = 1.0
        for (item, vector) in zip(cases, vectors) {
            let cosine = DistanceMetric.cosineSimilarity(vector, item.embedding)
            worst = min(worst, cosine)
            #expect(cosine >= 0.9999, "cosine \(cosine) for \(item.text.debugDescription.prefix(80))")
        }
        print("parity (\(backend)): worst cosine over \(cases.count) sentences = \(worst)")
    }
}
