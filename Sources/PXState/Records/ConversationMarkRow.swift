import Foundation
import GRDB

/// A row of `conversation_mark`. What the poller last accepted of one conversation (`ConversationMark`).
struct ConversationMarkRow: StateRecord {
    static let databaseTableName = "conversation_mark"

    var conversationID: String
    /// Microseconds; 0 when absent.
    var lastMessageAt: Int64
    var latestID: String?
    var unread: Int?
    var detailed: Bool
    var failures: Int
    /// Seconds since 1970.
    var retryAt: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case conversationID = "conversation_id"
        case lastMessageAt = "last_message_at"
        case latestID = "latest_id"
        case unread
        case detailed
        case failures
        case retryAt = "retry_at"
    }

    enum Columns {
        static let conversationID = Column(CodingKeys.conversationID)
        static let lastMessageAt = Column(CodingKeys.lastMessageAt)
        static let latestID = Column(CodingKeys.latestID)
        static let unread = Column(CodingKeys.unread)
        static let detailed = Column(CodingKeys.detailed)
        static let failures = Column(CodingKeys.failures)
        static let retryAt = Column(CodingKeys.retryAt)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.conversationID] = conversationID
        container[Columns.lastMessageAt] = lastMessageAt
        container[Columns.latestID] = latestID
        container[Columns.unread] = unread
        container[Columns.detailed] = detailed
        container[Columns.failures] = failures
        container[Columns.retryAt] = retryAt
    }
}
