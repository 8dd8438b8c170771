import Foundation
import GRDB

/// A row of `conversation_name`. A conversation's client name as last seen (at most 200 characters).
struct ConversationNameRow: StateRecord {
    static let databaseTableName = "conversation_name"

    var conversationID: String
    var name: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case conversationID = "conversation_id"
        case name
    }

    enum Columns {
        static let conversationID = Column(CodingKeys.conversationID)
        static let name = Column(CodingKeys.name)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.conversationID] = conversationID
        container[Columns.name] = name
    }
}
