import Foundation
import GRDB

/// A row of `send`. A send of the outbox (docs/spec.md §6 "Durable state"): recorded `pending` before its request, `sent` with the studio's message after.
struct SendRow: StateRecord {
    static let databaseTableName = "send"

    var id: Int64
    var conversationID: String
    var sendKey: String
    var explicitKey: Bool
    var content: String
    /// A JSON list.
    var attachmentIDs: String
    /// A JSON list.
    var attachmentNames: String
    /// `pending` or `sent`.
    var state: String
    var attemptedAt: Date
    /// The day (in the cap's zone) whose count it took.
    var day: String
    var messageID: String?
    /// The message as the API returned it.
    var messageJSON: String?
    var sentAt: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case conversationID = "conversation_id"
        case sendKey = "send_key"
        case explicitKey = "explicit_key"
        case content
        case attachmentIDs = "attachment_ids"
        case attachmentNames = "attachment_names"
        case state
        case attemptedAt = "attempted_at"
        case day
        case messageID = "message_id"
        case messageJSON = "message_json"
        case sentAt = "sent_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let conversationID = Column(CodingKeys.conversationID)
        static let sendKey = Column(CodingKeys.sendKey)
        static let explicitKey = Column(CodingKeys.explicitKey)
        static let content = Column(CodingKeys.content)
        static let attachmentIDs = Column(CodingKeys.attachmentIDs)
        static let attachmentNames = Column(CodingKeys.attachmentNames)
        static let state = Column(CodingKeys.state)
        static let attemptedAt = Column(CodingKeys.attemptedAt)
        static let day = Column(CodingKeys.day)
        static let messageID = Column(CodingKeys.messageID)
        static let messageJSON = Column(CodingKeys.messageJSON)
        static let sentAt = Column(CodingKeys.sentAt)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row): one row per
    /// send, in every fold. Times as seconds since 1970, as `StateRecord` reads them.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.conversationID] = conversationID
        container[Columns.sendKey] = sendKey
        container[Columns.explicitKey] = explicitKey
        container[Columns.content] = content
        container[Columns.attachmentIDs] = attachmentIDs
        container[Columns.attachmentNames] = attachmentNames
        container[Columns.state] = state
        container[Columns.attemptedAt] = attemptedAt.timeIntervalSince1970
        container[Columns.day] = day
        container[Columns.messageID] = messageID
        container[Columns.messageJSON] = messageJSON
        container[Columns.sentAt] = sentAt?.timeIntervalSince1970
    }
}
