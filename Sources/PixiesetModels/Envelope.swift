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

    public init(data: [Conversation], meta: PageMeta?) {
        self.data = data
        self.meta = meta
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
