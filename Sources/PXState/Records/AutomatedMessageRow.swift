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
}
