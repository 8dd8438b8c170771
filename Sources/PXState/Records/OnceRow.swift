import Foundation
import GRDB

/// A row of `once`. A `px.once` key and its period (docs/spec.md §4).
struct OnceRow: StateRecord {
    static let databaseTableName = "once"

    var key: String
    var firstAt: Date
    var until: Date

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key
        case firstAt = "first_at"
        case until
    }

    enum Columns {
        static let key = Column(CodingKeys.key)
        static let firstAt = Column(CodingKeys.firstAt)
        static let until = Column(CodingKeys.until)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.key] = key
        container[Columns.firstAt] = firstAt.timeIntervalSince1970
        container[Columns.until] = until.timeIntervalSince1970
    }
}
