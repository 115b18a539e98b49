import Foundation
import HiveCore
import HiveEvaluation

/// The MovieLens readers on arbitrary files. Input byte 0 picks ML-100K (even) or ML-1M (odd); the
/// rest splits at the first NUL into the item file and the ratings file. Whatever loads must be
/// consistent: every interaction points at a loaded user and item.
enum MovieLensFuzz {
    static let items = FuzzFile.url(name: "items")
    static let ratings = FuzzFile.url(name: "ratings")

    static func run(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        let rest = data.dropFirst()
        let split = rest.firstIndex(of: 0) ?? rest.endIndex
        guard FuzzFile.write(Array(rest[..<split]), to: items),
            FuzzFile.write(split < rest.endIndex ? Array(rest[(split + 1)...]) : [], to: ratings)
        else { return }
        let dataset: InteractionDataset
        do {
            if mode & 1 == 0 {
                _ = try? MovieLens.loadItems100K(items.path)
                dataset = try MovieLens.load100K(ratings: ratings.path, items: items.path)
            } else {
                dataset = try MovieLens.load1M(ratings: ratings.path, movies: items.path)
            }
        } catch {
            return
        }
        for interaction in dataset.interactions {
            guard interaction.user >= 0, Int(interaction.user) < dataset.userCount, interaction.item >= 0,
                Int(interaction.item) < dataset.itemCount, interaction.rating.isFinite
            else { fatalError("interaction \(interaction) points outside the dataset") }
        }
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
