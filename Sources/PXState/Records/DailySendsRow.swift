import Foundation
import GRDB

/// A row of `daily_sends`. Sends counted for one day of the send cap's zone (docs/spec.md §5 `--max-sends`).
struct DailySendsRow: StateRecord {
    static let databaseTableName = "daily_sends"

    var day: String
    var count: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case day
        case count
    }

    enum Columns {
        static let day = Column(CodingKeys.day)
        static let count = Column(CodingKeys.count)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.day] = day
        container[Columns.count] = count
    }
}
