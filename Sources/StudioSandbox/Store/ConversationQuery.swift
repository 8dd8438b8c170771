/// The filters and page of `GET /conversations/`.
public struct ConversationQuery: Sendable, Hashable {
    /// `message_status`: which conversations a list selects (docs/sandbox.md).
    public enum Selection: String, Sendable, CaseIterable {
        /// Active conversations (not archived).
        case inbox
        /// Archived conversations only.
        case archived
        /// Conversations with at least one unread client message.
        case unread
        /// Everything (the default when `message_status` is absent).
        case all
    }

    public static let defaultPageSize = 25
    public static let maximumPageSize = 100

    public var clientID: String?
    public var page: Int = 1
    public var pageSize: Int = ConversationQuery.defaultPageSize
    public var includeMessages = false
    public var selection: Selection = .all

    public init() {}
}
