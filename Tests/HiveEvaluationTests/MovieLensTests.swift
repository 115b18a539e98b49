import Foundation
import HiveCore
import Testing
@testable import HiveEvaluation

/// Writes a tiny ML-100K-format directory.
func writeML100K(ratings: String, itemCount: Int = 200) throws -> String {
    let directory = NSTemporaryDirectory() + "hive-ml-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var items = ""
    for id in 1...itemCount {
        let flags = (0..<19).map { $0 == id % 19 ? "1" : "0" }.joined(separator: "|")
        items += "\(id)|Movie \(id) (1995)|01-Jan-1995||http://example/\(id)|\(flags)\n"
    }
    try items.write(toFile: directory + "/u.item", atomically: true, encoding: .isoLatin1)
    try ratings.write(toFile: directory + "/u.data", atomically: true, encoding: .utf8)
    return directory
}

@Suite("MovieLens reader")
struct MovieLensTests {
    @Test("reads ML-100K as implicit interactions with dense ids and genres")
    func reads100K() throws {
        let directory = try writeML100K(ratings: "1\t10\t5\t100\n1\t20\t3\t200\n2\t10\t4\t50\n")
        let dataset = try MovieLens.load(directory: directory)
        #expect(dataset.name == "ml-100k")
        #expect(dataset.userCount == 2)
        #expect(dataset.itemCount == 200)
        #expect(dataset.interactions.count == 3)
        #expect(dataset.items[9].title == "Movie 10 (1995)")
        #expect(dataset.items[9].genres == [MovieLens.genres100K[10]])
    }

    @Test("reads the ML-1M '::' format")
    func reads1M() throws {
        let directory = NSTemporaryDirectory() + "hive-ml1m-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure\n"
            .write(toFile: directory + "/movies.dat", atomically: true, encoding: .utf8)
        try "1::1::5::978300760\n1::2::3::978302109\n".write(toFile: directory + "/ratings.dat", atomically: true, encoding: .utf8)
        let dataset = try MovieLens.load(directory: directory)
        #expect(dataset.name == "ml-1m")
        #expect(dataset.items[0].genres == ["Animation", "Children's", "Comedy"])
        #expect(dataset.interactions.count == 2)
    }

    @Test("malformed lines are reported with file and line number", arguments: [
        ("1\t10\t5\t100\n1\t20\t3\n", "u.data:2"),
        ("1\t10\t5\t100\nx\t20\t3\t5\n", "u.data:2"),
        ("1\t999\t5\t100\n", "u.data:1"),
        ("1\t10\tfive\t100\n", "u.data:1"),
    ])
    func malformed(_ ratings: String, _ location: String) throws {
        let directory = try writeML100K(ratings: ratings)
        let error = try #require(throws: HiveError.self) { try MovieLens.load(directory: directory) }
        #expect(error.code == .malformed)
        #expect(error.message.contains(location), "message: \(error.message)")
    }

    @Test("a directory without MovieLens files is a clear not-found error")
    func missing() {
        let error = #expect(throws: HiveError.self) { try MovieLens.load(directory: "/nonexistent-hive-dir") }
        #expect(error?.code == .notFound)
    }
}
