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
}
