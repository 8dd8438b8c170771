import Foundation
import GRDB

/// A row of `send_origin`. The script line a message was sent from (the dashboard's results per message).
struct SendOriginRow: StateRecord {
    static let databaseTableName = "send_origin"

    var messageID: String
    var position: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case messageID = "message_id"
        case position
    }

    enum Columns {
        static let messageID = Column(CodingKeys.messageID)
        static let position = Column(CodingKeys.position)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row): one per send.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.messageID] = messageID
        container[Columns.position] = position
    }
}
