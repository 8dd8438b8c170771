import Foundation
import GRDB

/// A row of `automated_message` in the record of automated messages (`AutomatedMessages`,
/// `automated.sqlite`, not a state file): a studio message pxscript sent, from any state.
struct AutomatedMessageRow: StateRecord {
    static let databaseTableName = "automated_message"

    var messageID: String
    var conversationID: String
    var sentAt: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case messageID = "message_id"
        case conversationID = "conversation_id"
        case sentAt = "sent_at"
    }

    enum Columns {
        static let messageID = Column(CodingKeys.messageID)
        static let conversationID = Column(CodingKeys.conversationID)
        static let sentAt = Column(CodingKeys.sentAt)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.messageID] = messageID
        container[Columns.conversationID] = conversationID
        container[Columns.sentAt] = sentAt?.timeIntervalSince1970
    }
}
