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
}
