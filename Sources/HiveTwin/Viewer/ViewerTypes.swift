import HiveCore
import HiveEmbeddings

/// The seed's ViewerAgent configuration.
public struct ViewerConfiguration: Sendable {
    /// The viewer (user) id the twin serves.
    public var viewerID: String
    /// The hub URL; nil for a twin that never syncs.
    public var hubEndpoint: String?
    /// Suggested interval between syncs, ms (default 60,000).
    public var syncIntervalMs: Int64 = 60_000
    /// Patterns below this success rate are neither kept as preferences nor shared (default 0.7).
    public var minQualityThreshold: Double = 0.7
    /// Most local patterns kept (default 10,000).
    public var maxLocalPatterns: Int = 10_000
    /// The embedding model for titles, genres and descriptions (MiniLM in production; the hashing
    /// embedder is an explicit choice for tests and tiny devices).
    public var embedder: any Embedder

    public init(viewerID: String, hubEndpoint: String? = nil, embedder: any Embedder) {
        self.viewerID = viewerID
        self.hubEndpoint = hubEndpoint
        self.embedder = embedder
    }
}

/// One catalogue entry (a movie, an episode).
public struct CatalogItem: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var genres: [String]
    public var description: String
    /// Prior popularity (interaction count in a public log), for cold start; 0 when unknown.
    public var popularity: Double

    public init(id: String, title: String, genres: [String], description: String = "", popularity: Double = 0) {
        self.id = id
        self.title = title
        self.genres = genres
        self.description = description
        self.popularity = popularity
    }

    /// The text embedded for content similarity.
    var text: String { "\(title). \(genres.joined(separator: ", ")). \(description)" }
}

/// What the viewer is in the mood for.
public struct RecommendationContext: Sendable, Hashable {
    public var genre: String?
    public var mood: String?
    public var timeOfDay: String?

    public init(genre: String? = nil, mood: String? = nil, timeOfDay: String? = nil) {
        self.genre = genre
        self.mood = mood
        self.timeOfDay = timeOfDay
    }
}

/// Which items may be recommended.
public struct RecommendationFilters: Sendable, Hashable {
    /// Leave out what the viewer already watched or rated (default true).
    public var excludeSeen = true
    /// Only items with at least one of these genres (empty: any).
    public var genres: Set<String> = []
    /// Never these items.
    public var excludeIDs: Set<String> = []

    public init(excludeSeen: Bool = true, genres: Set<String> = [], excludeIDs: Set<String> = []) {
        self.excludeSeen = excludeSeen
        self.genres = genres
        self.excludeIDs = excludeIDs
    }
}

/// A recommended item, its blended score and why.
public struct Recommendation: Sendable, Hashable, Codable {
    public var mediaID: String
    public var title: String
    /// Blended relevance in [0, 1] (before diversity re-ranking).
    public var score: Double
    /// A human-readable reason naming the strongest signal.
    public var reason: String
    /// The signals: model, content, patterns, popularity.
    public var components: [String: Double]
}
