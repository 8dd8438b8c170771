import Foundation
import GRDB

/// A row of `setting`. A named value of the state (`StateSetting`): pause, zone, session problem, heartbeat, …
struct SettingRow: StateRecord {
    static let databaseTableName = "setting"

    var name: String
    var value: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case value
    }

    enum Columns {
        static let name = Column(CodingKeys.name)
        static let value = Column(CodingKeys.value)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.name] = name
        container[Columns.value] = value
    }
}
