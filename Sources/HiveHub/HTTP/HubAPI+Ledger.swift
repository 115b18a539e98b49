import Foundation
import HiveCore
import HiveLedger
import Hummingbird

extension HubAPI {
    /// `GET /ledger/entries` answer.
    struct LedgerEntriesPage: Codable {
        struct Entry: Codable {
            var index: UInt64
            /// The entry bytes, base64 (hub entries are canonical JSON, see ``HubLedgerEntry``).
            var data: String
        }
        var start: UInt64
        var end: UInt64
        var entries: [Entry]
    }

    /// Most entries one `GET /ledger/entries` returns.
    static let maxLedgerEntriesPerPage: UInt64 = 1000

    /// The transparency log's read side: public (anyone may audit), rate-limited per address.
    func addLedgerRoutes(to api: RouterGroup<HubRequestContext>) {
        api.get("ledger/sth") { _, context in
            try throttleAnonymous(context)
            return try json(try await currentTreeHead())
        }
        api.get("ledger/proof/inclusion") { request, context in
            try throttleAnonymous(context)
            let leaf = try requiredUInt(request, "leaf")
            let size = try requiredUInt(request, "size")
            guard leaf < size else { throw Problem(.invalidInput, "leaf must be below size (leaf \(leaf), size \(size))") }
            try await requireWithinTree(size, name: "size")
            return try json(try await core.store.ledger.inclusionProof(leafIndex: leaf, treeSize: size))
        }
        api.get("ledger/proof/consistency") { request, context in
            try throttleAnonymous(context)
            let first = try requiredUInt(request, "first")
            let second = try requiredUInt(request, "second")
            guard first <= second else { throw Problem(.invalidInput, "first must not exceed second (\(first) > \(second))") }
            try await requireWithinTree(second, name: "second")
            return try json(try await core.store.ledger.consistencyProof(firstSize: first, secondSize: second))
        }
        api.get("ledger/entries") { request, context in
            try throttleAnonymous(context)
            let start = try requiredUInt(request, "start")
            let end = try requiredUInt(request, "end")
            guard start < end else { throw Problem(.invalidInput, "start must be below end (\(start) ≥ \(end))") }
            guard end - start <= Self.maxLedgerEntriesPerPage else {
                throw Problem(.invalidInput, "at most \(Self.maxLedgerEntriesPerPage) entries per request")
            }
            try await requireWithinTree(end, name: "end")
            let data = try await core.store.ledger.entries(in: start..<end)
            let entries = data.enumerated().map { offset, bytes in
                LedgerEntriesPage.Entry(index: start + UInt64(offset), data: Data(bytes).base64EncodedString())
            }
            return try json(LedgerEntriesPage(start: start, end: end, entries: entries))
        }
    }

    /// A head signed by the hub for the log's current size (signing one if the latest stored head is older).
    func currentTreeHead() async throws -> SignedTreeHead {
        let ledger = core.store.ledger
        let size = try await ledger.size()
        let latest = try await ledger.latestTreeHead()
        if let latest, latest.treeSize == size { return latest }
        let timestamp = max(latest?.timestampMs ?? 0, UInt64(max(core.nowMs, 0)))
        do {
            return try await ledger.signTreeHead(signer: core.identity.identity, timestampMs: timestamp)
        } catch let error as HiveError where error.code == .duplicate || error.code == .invalidInput {
            // Another request (or replica) signed concurrently: serve the head it stored.
            guard let head = try await ledger.latestTreeHead() else { throw error }
            return head
        }
    }

    /// A required unsigned integer query parameter (400 naming it otherwise).
    func requiredUInt(_ request: Request, _ name: String) throws -> UInt64 {
        guard let text = request.uri.queryParameters[name[...]] else {
            throw Problem(.invalidInput, "query parameter \(name) is required")
        }
        guard let value = UInt64(String(text)), value <= UInt64(Int64.max) else {
            throw Problem(.invalidInput, "query parameter \(name) must be a non-negative integer")
        }
        return value
    }

    /// 404 when `size` is beyond the log's current size.
    func requireWithinTree(_ size: UInt64, name: String) async throws {
        let treeSize = try await core.store.ledger.size()
        guard size <= treeSize else {
            throw Problem(.notFound, "\(name) \(size) is beyond the ledger's size \(treeSize)")
        }
    }
}
