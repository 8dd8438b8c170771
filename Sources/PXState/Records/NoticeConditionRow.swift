import Foundation
import GRDB

/// A row of `notice_condition`. A condition raised and not yet cleared: it notifies once until it clears.
struct NoticeConditionRow: StateRecord {
    static let databaseTableName = "notice_condition"

    var name: String
    var raisedAt: Date
    var detail: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case raisedAt = "raised_at"
        case detail
    }

    enum Columns {
        static let name = Column(CodingKeys.name)
        static let raisedAt = Column(CodingKeys.raisedAt)
        static let detail = Column(CodingKeys.detail)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.name] = name
        container[Columns.raisedAt] = raisedAt.timeIntervalSince1970
        container[Columns.detail] = detail
    }
}
