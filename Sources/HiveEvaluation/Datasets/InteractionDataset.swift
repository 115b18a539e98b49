/// Implicit-feedback interactions with dense user and item indices, plus item content.
public struct InteractionDataset: Sendable {
    /// One user–item event.
    public struct Interaction: Sendable, Hashable {
        /// Dense user index in `0..<userCount`.
        public var user: Int32
        /// Dense item index in `0..<itemCount`.
        public var item: Int32
        /// The explicit rating when the source has one (kept for weighting; every rating counts as an interaction).
        public var rating: Float
        /// Seconds since the Unix epoch.
        public var timestamp: Int64

        public init(user: Int32, item: Int32, rating: Float, timestamp: Int64) {
            self.user = user
            self.item = item
            self.rating = rating
            self.timestamp = timestamp
        }
    }

    /// Content of one item (title, genres) for content similarity and display.
    public struct Item: Sendable, Hashable {
        public var externalID: String
        public var title: String
        public var genres: [String]

        public init(externalID: String, title: String, genres: [String]) {
            self.externalID = externalID
            self.title = title
            self.genres = genres
        }
    }

    /// Name of the source, e.g. "ml-100k".
    public var name: String
    public var interactions: [Interaction]
    /// External user id for each dense index.
    public var userIDs: [String]
    /// Item content for each dense index.
    public var items: [Item]

    public var userCount: Int { userIDs.count }
    public var itemCount: Int { items.count }

    public init(name: String, interactions: [Interaction], userIDs: [String], items: [Item]) {
        self.name = name
        self.interactions = interactions
        self.userIDs = userIDs
        self.items = items
    }
}
