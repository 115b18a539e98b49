/// Embeddings by text. Intents repeat (queries and published traces share a vocabulary), and a
/// MiniLM forward pass costs milliseconds where a lookup costs nanoseconds; the same text always
/// embeds to the same vector, so a hit is exact.
typealias EmbeddingCache = RecentlyUsedCache<[Float]>
