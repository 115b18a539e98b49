import Foundation
import HiveCore

/// Reads MovieLens rating files as implicit interactions.
///
/// - ML-100K: `u.data` (user \t item \t rating \t timestamp) and `u.item` (`|`-separated, 19 genre flags).
/// - ML-1M: `ratings.dat` and `movies.dat` (`::`-separated, genres joined by `|`).
///
/// Files are Latin-1 in the wild; they are decoded as UTF-8 when valid, else as ISO 8859-1.
/// A malformed line is reported with its file and line number; nothing is half-loaded.
public enum MovieLens {
    /// ML-100K's genre columns, in file order.
    public static let genres100K = [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
        "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ]

    /// Loads whichever format `directory` holds.
    public static func load(directory: String) throws -> InteractionDataset {
        let fm = FileManager.default
        let at = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        if fm.fileExists(atPath: at("u.data")) {
            return try load100K(ratings: at("u.data"), items: at("u.item"))
        }
        if fm.fileExists(atPath: at("ratings.dat")) {
            return try load1M(ratings: at("ratings.dat"), movies: at("movies.dat"))
        }
        throw HiveError(.notFound, "no MovieLens data in \(directory): expected u.data + u.item (ML-100K) or ratings.dat + movies.dat (ML-1M)")
    }

    /// ML-100K.
    public static func load100K(ratings: String, items: String) throws -> InteractionDataset {
        var builder = Builder()
        for (item, location) in try readItems100K(items) {
            try builder.addItem(item.externalID, title: item.title, genres: item.genres, at: location)
        }
        try forEachLine(ratings) { line, number in
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard fields.count == 4 else {
                throw HiveError(.malformed, "\(name(ratings)):\(number): expected 4 tab-separated fields, got \(fields.count)")
            }
            try builder.addRating(user: fields[0], item: fields[1], rating: fields[2], timestamp: fields[3], at: "\(name(ratings)):\(number)")
        }
        return builder.dataset(name: "ml-100k")
    }

    /// The catalogue of an ML-100K `u.item` file (id, title, genres), in file order; a twin imports
    /// it with `hive twin import-items`. Malformed lines and duplicate ids name file and line.
    public static func loadItems100K(_ path: String) throws -> [InteractionDataset.Item] {
        var builder = Builder()
        for (item, location) in try readItems100K(path) {
            try builder.addItem(item.externalID, title: item.title, genres: item.genres, at: location)
        }
        return builder.items
    }

    static func readItems100K(_ items: String) throws -> [(InteractionDataset.Item, String)] {
        var result: [(InteractionDataset.Item, String)] = []
        try forEachLine(items) { line, number in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count >= 5 + genres100K.count else {
                throw HiveError(.malformed, "\(name(items)):\(number): expected \(5 + genres100K.count) '|'-separated fields, got \(fields.count)")
            }
            let flags = fields[5..<(5 + genres100K.count)]
            var genres: [String] = []
            for (index, flag) in flags.enumerated() {
                switch flag {
                case "1": genres.append(genres100K[index])
                case "0": break
                default: throw HiveError(.malformed, "\(name(items)):\(number): genre flag must be 0 or 1, got '\(flag)'")
                }
            }
            result.append((.init(externalID: String(fields[0]), title: String(fields[1]), genres: genres), "\(name(items)):\(number)"))
        }
        return result
    }

    /// ML-1M.
    public static func load1M(ratings: String, movies: String) throws -> InteractionDataset {
        var builder = Builder()
        try forEachLine(movies) { line, number in
            let fields = line.components(separatedBy: "::")
            guard fields.count == 3 else {
                throw HiveError(.malformed, "\(name(movies)):\(number): expected 3 '::'-separated fields, got \(fields.count)")
            }
            let genres = fields[2].split(separator: "|").map(String.init)
            try builder.addItem(fields[0], title: fields[1], genres: genres, at: "\(name(movies)):\(number)")
        }
        try forEachLine(ratings) { line, number in
            let fields = line.components(separatedBy: "::")
            guard fields.count == 4 else {
                throw HiveError(.malformed, "\(name(ratings)):\(number): expected 4 '::'-separated fields, got \(fields.count)")
            }
            try builder.addRating(
                user: Substring(fields[0]), item: Substring(fields[1]), rating: Substring(fields[2]),
                timestamp: Substring(fields[3]), at: "\(name(ratings)):\(number)")
        }
        return builder.dataset(name: "ml-1m")
    }

    private static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// Calls `body` for each non-empty line with its 1-based number.
    static func forEachLine(_ path: String, _ body: (String, Int) throws -> Void) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HiveError(.notFound, "cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw HiveError(.malformed, "\(path) is neither UTF-8 nor Latin-1 text")
        }
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty { continue }
            try body(String(trimmed), number)
        }
    }

    /// Accumulates items and ratings with dense indices.
    struct Builder {
        var itemIndex: [String: Int32] = [:]
        var items: [InteractionDataset.Item] = []
        var userIndex: [String: Int32] = [:]
        var users: [String] = []
        var interactions: [InteractionDataset.Interaction] = []

        mutating func addItem(_ id: String, title: String, genres: [String], at location: String) throws {
            guard Int(id) != nil else { throw HiveError(.malformed, "\(location): item id must be an integer, got '\(id)'") }
            guard itemIndex[id] == nil else { throw HiveError(.malformed, "\(location): duplicate item id \(id)") }
            itemIndex[id] = Int32(items.count)
            items.append(.init(externalID: id, title: title, genres: genres))
        }

        mutating func addRating(user: Substring, item: Substring, rating: Substring, timestamp: Substring, at location: String) throws {
            guard Int(user) != nil else { throw HiveError(.malformed, "\(location): user id must be an integer, got '\(user)'") }
            guard let itemID = itemIndex[String(item)] else {
                throw HiveError(.malformed, "\(location): item \(item) is not in the item file")
            }
            guard let value = Float(rating), value.isFinite else {
                throw HiveError(.malformed, "\(location): rating must be a number, got '\(rating)'")
            }
            guard let time = Int64(timestamp) else {
                throw HiveError(.malformed, "\(location): timestamp must be an integer, got '\(timestamp)'")
            }
            let userKey = String(user)
            let userID: Int32
            if let existing = userIndex[userKey] {
                userID = existing
            } else {
                userID = Int32(users.count)
                userIndex[userKey] = userID
                users.append(userKey)
            }
            interactions.append(.init(user: userID, item: itemID, rating: value, timestamp: time))
        }

        func dataset(name: String) -> InteractionDataset {
            InteractionDataset(name: name, interactions: interactions, userIDs: users, items: items)
        }
    }
}
