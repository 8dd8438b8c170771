import Foundation
import GRDB

/// A row of `key_hold`. A `px.once` or `px.store` key held by a running handler (decision 0010).
struct KeyHoldRow: StateRecord {
    static let databaseTableName = "key_hold"

    var key: String
    /// One handler run.
    var holder: String
    var pid: Int32
    var expiresAt: Date

    enum CodingKeys: String, CodingKey, CaseIterable {
        case key
        case holder
        case pid
        case expiresAt = "expires_at"
    }

    enum Columns {
        static let key = Column(CodingKeys.key)
        static let holder = Column(CodingKeys.holder)
        static let pid = Column(CodingKeys.pid)
        static let expiresAt = Column(CodingKeys.expiresAt)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.key] = key
        container[Columns.holder] = holder
        container[Columns.pid] = pid
        container[Columns.expiresAt] = expiresAt.timeIntervalSince1970
    }
}
