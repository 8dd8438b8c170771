import Foundation
import GRDB

/// A row of `synced_state` in the record of automated messages: how far the record has read
/// one state file's `send` table.
struct SyncedStateRow: StateRecord {
    static let databaseTableName = "synced_state"

    var path: String
    /// The first send id not yet read (or the oldest still pending).
    var nextSendID: Int64

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path
        case nextSendID = "next_send_id"
    }

    enum Columns {
        static let path = Column(CodingKeys.path)
        static let nextSendID = Column(CodingKeys.nextSendID)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.path] = path
        container[Columns.nextSendID] = nextSendID
    }
}
