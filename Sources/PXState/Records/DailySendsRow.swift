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
}
