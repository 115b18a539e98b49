import HiveCore

extension OmegaCore {
    /// Checks the stored model against the configured shape before the hub serves: rows of another
    /// rank (dimension ≠ modelRank + 1), rows of items outside `0..<modelItems`, or more rows than
    /// a pull can carry mean the hub was started with a different `--model-rank`/`--model-items`
    /// than the one that published the model. Throws `inconsistent` naming the setting and what is
    /// stored, so `hive serve` stops at start instead of failing its first round.
    public func checkStoredModel() async throws {
        guard let learning = engine as? LearningAggregationEngine else { return }
        let shape = learning.configuration
        let stored = try await store.modelVersion()
        guard let dimension = stored.dimension else { return }
        guard dimension == shape.rank + 1 else {
            throw HiveError(
                .inconsistent,
                "the stored model (version \(stored.version)) has rank \(dimension - 1) (rows of \(dimension) floats); modelRank is \(shape.rank). Start with --model-rank \(dimension - 1) or use a new data directory/database"
            )
        }
        let rows = try await store.modelRows(sinceVersion: 0, limit: Self.maxModelRows + 1)
        guard rows.count <= shape.itemCount else {
            throw HiveError(
                .inconsistent,
                "the stored model has \(rows.count > Self.maxModelRows ? "more than \(Self.maxModelRows)" : "\(rows.count)") rows; modelItems is \(shape.itemCount). Start with the modelItems that published it or use a new data directory/database"
            )
        }
        for row in rows {
            guard let item = Int(row.item), String(item) == row.item, (0..<shape.itemCount).contains(item) else {
                throw HiveError(
                    .inconsistent,
                    "the stored model has a row for item \"\(row.item.prefix(32))\", outside 0…\(shape.itemCount - 1) (modelItems \(shape.itemCount)). Start with the modelItems that published it or use a new data directory/database"
                )
            }
        }
    }
}
