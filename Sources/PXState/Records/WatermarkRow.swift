import Foundation
import GRDB

/// A row of `watermark`. How far the poll has read the studio (server time, microseconds).
struct WatermarkRow: StateRecord {
    static let databaseTableName = "watermark"

    /// `global`.
    var name: String
    var microseconds: Int64

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case microseconds
    }

    enum Columns {
        static let name = Column(CodingKeys.name)
        static let microseconds = Column(CodingKeys.microseconds)
    }
}
