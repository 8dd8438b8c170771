/// The `{ "data": … }` wrapper every successful response of the seed uses.
public struct Envelope<Payload: Codable & Sendable>: Codable, Sendable {
    public var data: Payload

    public init(data: Payload) { self.data = data }
}

/// Pagination metadata of a list (`meta`).
public struct PageMeta: Sendable, Hashable, Codable {
    public var currentPage: Int
    public var perPage: Int
    public var total: Int
    public var lastPage: Int

    public init(currentPage: Int, perPage: Int, total: Int, lastPage: Int) {
        self.currentPage = currentPage
        self.perPage = perPage
        self.total = total
        self.lastPage = lastPage
    }

    enum CodingKeys: String, CodingKey {
        case total
        case currentPage = "current_page"
        case perPage = "per_page"
        case lastPage = "last_page"
    }

    enum AlternativeKeys: String, CodingKey {
        case pageSize = "page_size"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        currentPage = c.lenientInt(forKey: .currentPage) ?? 1
        // `per_page` as the pagination page writes it; `page_size`, the query's name, read too.
        perPage = c.lenientInt(forKey: .perPage) ?? (try? decoder.container(keyedBy: AlternativeKeys.self))?.lenientInt(forKey: .pageSize) ?? 0
        total = c.lenientInt(forKey: .total) ?? 0
        lastPage = c.lenientInt(forKey: .lastPage) ?? currentPage
    }
}

/// One page of `GET /conversations/`. `data` is required: a list answer
/// without it is an error, not an empty page.
public struct ConversationPage: Sendable, Codable {
    public var data: [Conversation]
    /// Absent meta reads as a single page.
    public var meta: PageMeta?
    /// Entries of `data` that could not be read (a value of the wrong type or out of range, a field
    /// nested too deep): their ids when those could be read, else `#N` (their place in the page).
    /// One bad conversation is set aside; it never makes the page unreadable.
    public var unreadable: [String] = []

    public init(data: [Conversation], meta: PageMeta?) {
        self.data = data
        self.meta = meta
    }

    enum CodingKeys: String, CodingKey { case data, meta, unreadable }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        meta = try c.decodeIfPresent(PageMeta.self, forKey: .meta)
        let entries = try c.decode([Entry].self, forKey: .data)
        data = entries.compactMap(\.conversation)
        unreadable = entries.enumerated().compactMap { index, entry in entry.conversation == nil ? entry.id ?? "#\(index + 1)" : nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(data, forKey: .data)
        try c.encodeIfPresent(meta, forKey: .meta)
        // Entries left out are said, never silently dropped: a script sees which (`page.unreadable`).
        if !unreadable.isEmpty { try c.encode(unreadable, forKey: .unreadable) }
    }

    /// One entry of `data`: the conversation, or nothing (and its id, if readable) when it does not decode.
    struct Entry: Decodable {
        let conversation: Conversation?
        let id: String?

        enum Keys: String, CodingKey { case id }

        init(from decoder: any Decoder) {
            conversation = try? Conversation(from: decoder)
            id = conversation?.id ?? (try? decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .id))
        }
    }
}

/// `GET /conversations/unread/count`.
public struct UnreadCount: Sendable, Hashable, Codable {
    public var unreadCount: Int
    public var conversationsWithUnread: Int

    public init(unreadCount: Int, conversationsWithUnread: Int) {
        self.unreadCount = unreadCount
        self.conversationsWithUnread = conversationsWithUnread
    }

    enum CodingKeys: String, CodingKey {
        case unreadCount = "unread_count"
        case conversationsWithUnread = "conversations_with_unread"
    }
}
