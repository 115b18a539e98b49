import Foundation
import GRDB
import HiveCore

/// The dictionary behind a pattern row's tags and context (schema v5) and the words of its
/// approach (schema v6, see `PatternTerms+Approach.swift`): every distinct tag, genre, mood, time
/// of day, watched title or approach word is stored once in `pattern_terms(code, term)` and rows
/// hold varint codes, so a row's tags and context take ~3 and ~7 bytes instead of ~16 and ~28.
///
/// Terms are matched byte for byte (as SQLite's UNIQUE index on `term` does), not by Swift's
/// canonical equivalence: a decomposed "é" and a precomposed one are two terms, and every text
/// reads back with exactly the bytes it was written with.
///
/// The bank keeps the dictionary in memory (loaded at open, grown after each committed write);
/// a code it does not know (a term written by another bank over the same file since) is read
/// from the table, and a new term is looked up in the table before it is inserted, so two banks
/// over one file never give one term two codes.
struct PatternTerms: Sendable {
    private var terms: [Int64: String] = [:]
    private var codes: [[UInt8]: Int64] = [:]

    var count: Int { terms.count }

    static func load(_ db: Database) throws -> PatternTerms {
        var dictionary = PatternTerms()
        let cursor = try Row.fetchCursor(db, sql: "SELECT code, term FROM pattern_terms")
        while let row = try cursor.next() { dictionary.remember(code: row[0], term: row[1]) }
        return dictionary
    }

    private mutating func remember(code: Int64, term: String) {
        terms[code] = term
        codes[Array(term.utf8)] = code
    }

    /// The code of `term`, inserting it into `pattern_terms` (in `db`'s transaction) when new.
    mutating func code(for term: String, in db: Database) throws -> Int64 {
        try code(for: Array(term.utf8), text: term, in: db)
    }

    /// ``code(for:in:)`` for a term given as its UTF-8 `bytes` (`text`, when given, is the same term
    /// as a `String`; it is built from the bytes only when the term is new to this copy).
    mutating func code(for bytes: [UInt8], text: String? = nil, in db: Database) throws -> Int64 {
        if let code = codes[bytes] { return code }
        let term = text ?? String(decoding: bytes, as: UTF8.self)
        let code: Int64
        if let existing = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT code FROM pattern_terms WHERE term = ?"), arguments: [term]) {
            code = existing
        } else {
            try db.cachedStatement(sql: "INSERT INTO pattern_terms(term) VALUES (?)").execute(arguments: [term])
            code = db.lastInsertedRowID
        }
        remember(code: code, term: term)
        return code
    }

    /// The term of `code`; from the table when this copy does not know it. Throws
    /// ``HiveError/Code/malformed`` for a code the table does not hold either.
    func term(_ code: Int64, in db: Database) throws -> String {
        if let term = terms[code] { return term }
        guard let term = try String.fetchOne(db, sql: "SELECT term FROM pattern_terms WHERE code = ?", arguments: [code]) else {
            throw HiveError(.malformed, "pattern row refers to unknown term code \(code)")
        }
        return term
    }

    // MARK: Row fields

    /// Tags as `count ‖ codes` (varints; never an empty blob, which SQLite may bind as NULL).
    mutating func encode(tags: [String], in db: Database) throws -> Data {
        var out = Data()
        try appendList(tags, to: &out, in: db)
        return out
    }

    func decodeTags(_ data: Data, in db: Database) throws -> [String] {
        var reader = BlobReader(bytes: [UInt8](data), what: "pattern tags")
        let tags = try list(&reader, in: db)
        try reader.finish()
        return tags
    }

    /// Context as genres (list), mood and time of day (0, or code + 1), watch history (list).
    mutating func encode(context: Pattern.Context, in db: Database) throws -> Data {
        var out = Data()
        try appendList(context.genres, to: &out, in: db)
        try appendOptional(context.mood, to: &out, in: db)
        try appendOptional(context.timeOfDay, to: &out, in: db)
        try appendList(context.watchHistory, to: &out, in: db)
        return out
    }

    func decodeContext(_ data: Data, in db: Database) throws -> Pattern.Context {
        var reader = BlobReader(bytes: [UInt8](data), what: "pattern context")
        let genres = try list(&reader, in: db)
        let mood = try optional(&reader, in: db)
        let timeOfDay = try optional(&reader, in: db)
        let watchHistory = try list(&reader, in: db)
        try reader.finish()
        return Pattern.Context(genres: genres, mood: mood, timeOfDay: timeOfDay, watchHistory: watchHistory)
    }

    private mutating func appendList(_ list: [String], to out: inout Data, in db: Database) throws {
        PatternRowCodec.appendVarint(list.count, to: &out)
        for term in list { PatternRowCodec.appendVarint(Int(try code(for: term, in: db)), to: &out) }
    }

    private mutating func appendOptional(_ term: String?, to out: inout Data, in db: Database) throws {
        guard let term else { return out.append(0) }
        PatternRowCodec.appendVarint(Int(try code(for: term, in: db)) + 1, to: &out)
    }

    private func list(_ reader: inout BlobReader, in db: Database) throws -> [String] {
        let count = try reader.varint()
        guard count <= reader.remaining else { throw HiveError(.malformed, "\(reader.what): a list overruns its field") }
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try term(Int64(try reader.varint()), in: db)) }
        return out
    }

    private func optional(_ reader: inout BlobReader, in db: Database) throws -> String? {
        let value = try reader.varint()
        return value == 0 ? nil : try term(Int64(value - 1), in: db)
    }
}
