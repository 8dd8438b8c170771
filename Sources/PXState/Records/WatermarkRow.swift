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

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.name] = name
        container[Columns.microseconds] = microseconds
    }
}
