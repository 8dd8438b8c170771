import Foundation
import GRDB

/// A row of `journal`. A line of the journal: every send, skip and failure with its reason.
struct JournalRow: StateRecord {
    static let databaseTableName = "journal"

    var id: Int64?
    var at: Date
    /// A `JournalKind`'s raw value.
    var kind: String
    var conversationID: String?
    var detail: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case at
        case kind
        case conversationID = "conversation_id"
        case detail
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let at = Column(CodingKeys.at)
        static let kind = Column(CodingKeys.kind)
        static let conversationID = Column(CodingKeys.conversationID)
        static let detail = Column(CodingKeys.detail)
    }


    /// Written column by column, not through `Encodable` (its coder costs microseconds a row): a line
    /// per send, in every fold. Times as seconds since 1970, as `StateRecord` reads them.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.at] = at.timeIntervalSince1970
        container[Columns.kind] = kind
        container[Columns.conversationID] = conversationID
        container[Columns.detail] = detail
    }
}
