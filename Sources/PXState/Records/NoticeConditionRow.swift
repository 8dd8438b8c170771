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
}
