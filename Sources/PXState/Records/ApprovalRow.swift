import Foundation
import GRDB

/// A row of `approval`. A send waiting for the photographer (`Approval`).
struct ApprovalRow: StateRecord {
    static let databaseTableName = "approval"

    var id: String
    var conversationID: String
    var clientName: String
    var content: String
    var edited: String?
    /// A JSON list.
    var attachments: String
    var sendKey: String
    var script: String
    var position: String
    var why: String
    var latestMessageID: String?
    /// An `Approval.State`'s raw value.
    var state: String
    var createdAt: Date
    var expiresAt: Date
    var decidedAt: Date?
    var detail: String?
    var messageID: String?
    var notifiedAt: Date?
    var maxSends: Int?
    var zone: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case conversationID = "conversation_id"
        case clientName = "client_name"
        case content
        case edited
        case attachments
        case sendKey = "send_key"
        case script
        case position
        case why
        case latestMessageID = "latest_message_id"
        case state
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case decidedAt = "decided_at"
        case detail
        case messageID = "message_id"
        case notifiedAt = "notified_at"
        case maxSends = "max_sends"
        case zone
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let conversationID = Column(CodingKeys.conversationID)
        static let clientName = Column(CodingKeys.clientName)
        static let content = Column(CodingKeys.content)
        static let edited = Column(CodingKeys.edited)
        static let attachments = Column(CodingKeys.attachments)
        static let sendKey = Column(CodingKeys.sendKey)
        static let script = Column(CodingKeys.script)
        static let position = Column(CodingKeys.position)
        static let why = Column(CodingKeys.why)
        static let latestMessageID = Column(CodingKeys.latestMessageID)
        static let state = Column(CodingKeys.state)
        static let createdAt = Column(CodingKeys.createdAt)
        static let expiresAt = Column(CodingKeys.expiresAt)
        static let decidedAt = Column(CodingKeys.decidedAt)
        static let detail = Column(CodingKeys.detail)
        static let messageID = Column(CodingKeys.messageID)
        static let notifiedAt = Column(CodingKeys.notifiedAt)
        static let maxSends = Column(CodingKeys.maxSends)
        static let zone = Column(CodingKeys.zone)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.conversationID] = conversationID
        container[Columns.clientName] = clientName
        container[Columns.content] = content
        container[Columns.edited] = edited
        container[Columns.attachments] = attachments
        container[Columns.sendKey] = sendKey
        container[Columns.script] = script
        container[Columns.position] = position
        container[Columns.why] = why
        container[Columns.latestMessageID] = latestMessageID
        container[Columns.state] = state
        container[Columns.createdAt] = createdAt.timeIntervalSince1970
        container[Columns.expiresAt] = expiresAt.timeIntervalSince1970
        container[Columns.decidedAt] = decidedAt?.timeIntervalSince1970
        container[Columns.detail] = detail
        container[Columns.messageID] = messageID
        container[Columns.notifiedAt] = notifiedAt?.timeIntervalSince1970
        container[Columns.maxSends] = maxSends
        container[Columns.zone] = zone
    }
}
