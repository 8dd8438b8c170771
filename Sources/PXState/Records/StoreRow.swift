import Foundation
import GRDB

/// A row of `store`. A `px.store` value, kept as JSON text.
struct StoreRow: StateRecord {
    static let databaseTableName = "store"

    var key: String
    var value: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key
        case value
    }

    enum Columns {
        static let key = Column(CodingKeys.key)
        static let value = Column(CodingKeys.value)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.key] = key
        container[Columns.value] = value
    }
}
