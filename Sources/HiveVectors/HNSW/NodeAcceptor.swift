/// Decides which nodes a graph walk may return (every reached node still guides the walk).
///
/// The walk is generic over this protocol rather than taking a closure, so each kind is
/// specialised into the loop: accepting everything costs nothing, and a tombstone or bitmap
/// test is an inlined load instead of an indirect call.
protocol NodeAcceptor {
    func accepts(_ node: UInt32) -> Bool
}

/// Every node (no tombstones, no filter).
struct AcceptAll: NodeAcceptor {
    @inline(__always) func accepts(_ node: UInt32) -> Bool { true }
}

/// Live nodes only.
struct AcceptLive: NodeAcceptor {
    let deleted: [Bool]
    @inline(__always) func accepts(_ node: UInt32) -> Bool { !deleted[Int(node)] }
}

/// Live nodes whose id passes a filter; a bitmap filter is tested inline.
struct AcceptFiltered: NodeAcceptor {
    let deleted: [Bool]
    let hasDeleted: Bool
    let ids: [VectorID]
    let mask: [Bool]?
    let filter: VectorFilter

    init(graph: HNSWGraph, filter: VectorFilter) {
        deleted = graph.deleted
        hasDeleted = graph.deletedCount > 0
        ids = graph.ids
        mask = filter.mask
        self.filter = filter
    }

    @inline(__always) func accepts(_ node: UInt32) -> Bool {
        if hasDeleted, deleted[Int(node)] { return false }
        let id = ids[Int(node)]
        if let mask { return id >= 0 && id < mask.count && mask[Int(id)] }
        return filter.includes(id)
    }
}
