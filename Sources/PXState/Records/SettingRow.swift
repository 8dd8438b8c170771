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
}
