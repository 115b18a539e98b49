import HiveEvaluation
import HiveTwin

/// MovieLens `u.item` → catalogue items (the reader lives in HiveEvaluation).
enum MovieLensCatalog {
    static func items(_ path: String) throws -> [CatalogItem] {
        try MovieLens.loadItems100K(path).map { CatalogItem(id: $0.externalID, title: $0.title, genres: $0.genres) }
    }
}
