import Foundation
import GRDB

/// A row of `event`. A client message in the ledger (docs/spec.md §6), with where its handling is.
struct EventRow: StateRecord {
    static let databaseTableName = "event"

    var messageID: String
    var conversationID: String
    /// Microseconds, as the API gave it.
    var sentAt: Int64
    var messageJSON: String
    /// A `LedgerState`'s raw value.
    var state: String
    var attempts: Int
    var reason: String?
    var traceback: String?
    var retryAt: Date?
    var receivedAt: Date
    /// Queued again by `pxscript retry`.
    var retried: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case messageID = "message_id"
        case conversationID = "conversation_id"
        case sentAt = "sent_at"
        case messageJSON = "message_json"
        case state
        case attempts
        case reason
        case traceback
        case retryAt = "retry_at"
        case receivedAt = "received_at"
        case retried
    }

    enum Columns {
        static let messageID = Column(CodingKeys.messageID)
        static let conversationID = Column(CodingKeys.conversationID)
        static let sentAt = Column(CodingKeys.sentAt)
        static let messageJSON = Column(CodingKeys.messageJSON)
        static let state = Column(CodingKeys.state)
        static let attempts = Column(CodingKeys.attempts)
        static let reason = Column(CodingKeys.reason)
        static let traceback = Column(CodingKeys.traceback)
        static let retryAt = Column(CodingKeys.retryAt)
        static let receivedAt = Column(CodingKeys.receivedAt)
        static let retried = Column(CodingKeys.retried)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row): every
    /// event a poll records. Times as seconds since 1970, as `StateRecord` reads them.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.messageID] = messageID
        container[Columns.conversationID] = conversationID
        container[Columns.sentAt] = sentAt
        container[Columns.messageJSON] = messageJSON
        container[Columns.state] = state
        container[Columns.attempts] = attempts
        container[Columns.reason] = reason
        container[Columns.traceback] = traceback
        container[Columns.retryAt] = retryAt?.timeIntervalSince1970
        container[Columns.receivedAt] = receivedAt.timeIntervalSince1970
        container[Columns.retried] = retried
    }
}
