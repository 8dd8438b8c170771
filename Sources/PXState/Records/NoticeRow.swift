import Foundation
import GRDB

/// A row of `notice`. A notification, kept until every target has it or was given up on.
struct NoticeRow: StateRecord {
    static let databaseTableName = "notice"

    var id: Int64?
    var kind: String
    var condition: String?
    var title: String
    var text: String
    var script: String?
    /// A `NoticeOrigin`'s raw value.
    var origin: String
    var createdAt: Date

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case kind
        case condition
        case title
        case text
        case script
        case origin
        case createdAt = "created_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let kind = Column(CodingKeys.kind)
        static let condition = Column(CodingKeys.condition)
        static let title = Column(CodingKeys.title)
        static let text = Column(CodingKeys.text)
        static let script = Column(CodingKeys.script)
        static let origin = Column(CodingKeys.origin)
        static let createdAt = Column(CodingKeys.createdAt)
    }


    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.kind] = kind
        container[Columns.condition] = condition
        container[Columns.title] = title
        container[Columns.text] = text
        container[Columns.script] = script
        container[Columns.origin] = origin
        container[Columns.createdAt] = createdAt.timeIntervalSince1970
    }
}
