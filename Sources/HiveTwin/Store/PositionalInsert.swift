import GRDB
import HiveCore

/// A cached statement executed many times in one transaction with positional values bound
/// straight into SQLite (GRDB's public `StatementBinding`), for the hot insert loops.
///
/// `execute(arguments:)` builds a `StatementArguments` per row: every value boxed as an
/// existential, converted to a `DatabaseValue`, then bound through nested closures. That was about
/// a quarter of a batched episode write. Here each value binds itself (`Int64` with
/// `sqlite3_bind_int64`, `String` and `Data` copied by SQLite), and GRDB still runs the statement
/// (its transaction and error bookkeeping are unchanged).
///
/// A row SQLite refuses makes `execute` throw (GRDB's error, mapped by ``TwinStore``); GRDB then
/// drops the failed statement from its cache, so a failed statement is never bound again.
/// Use it inside one database access; every call must bind every `?` of the statement (the SQL is
/// the caller's own constant, and `count` checks it).
struct PositionalInsert {
    let statement: Statement
    let count: Int

    /// The cached statement for `sql` in `db`, for direct binding.
    init(_ db: Database, cached sql: String) throws {
        self.statement = try db.cachedStatement(sql: sql)
        // Counted from the caller's string: `Statement.sql` rebuilds and trims the text on every
        // call, which cost more than the insert when one statement runs per transaction.
        self.count = Self.placeholders(in: sql)
    }

    /// A new statement for `sql` in `db` (run once, e.g. by a migration), for direct binding.
    init(_ db: Database, sql: String) throws {
        self.statement = try db.makeStatement(sql: sql)
        self.count = Self.placeholders(in: sql)
    }

    /// Binds `values` to `?1…?n` in order and runs the statement once. GRDB's arguments are
    /// marked set (empty), so `execute()` resets and steps the statement without touching the
    /// bindings made here.
    func execute<each V: StatementBinding>(_ values: repeat each V) throws {
        // SQLite only binds a statement that is reset; this resets it (and clears the last row's
        // bindings) while keeping GRDB's arguments marked as set.
        statement.setUncheckedArguments(StatementArguments())
        let handle = statement.sqliteStatement
        var index: CInt = 0
        var failure: (CInt, CInt)?
        for value in repeat each values {
            index += 1
            let code = value.bind(to: handle, at: index)
            if code != 0, failure == nil { failure = (index, code) }
        }
        if let failure {
            throw HiveError(.io, "SQLite could not bind argument \(failure.0) (code \(failure.1)) of: \(statement.sql)")
        }
        guard Int(index) == count else {
            throw HiveError(.io, "bound \(index) arguments; the statement has \(count): \(statement.sql)")
        }
        try statement.execute()
    }

    /// Drops the last row's bindings (SQLite's copies of its text and blobs).
    func finish() {
        statement.setUncheckedArguments(StatementArguments())
    }

    /// `?` placeholders in `sql` (the callers' SQL has no string literals containing `?`).
    static func placeholders(in sql: String) -> Int {
        sql.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "?") ? 1 : 0) }
    }
}
