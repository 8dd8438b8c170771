import Foundation
import GRDB

/// A row of `schedule`. A schedule as the daemon last saw it: when it ran, runs next, whether it is done.
struct ScheduleRow: StateRecord {
    static let databaseTableName = "schedule"

    var id: String
    var lastRun: Date?
    var nextRun: Date?
    var done: Bool
    /// Why its last run failed.
    var lastFailure: String?
    /// When a daemon first knew it (nil: noted before that was recorded).
    var firstSeen: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case lastRun = "last_run"
        case nextRun = "next_run"
        case done
        case lastFailure = "last_failure"
        case firstSeen = "first_seen"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let lastRun = Column(CodingKeys.lastRun)
        static let nextRun = Column(CodingKeys.nextRun)
        static let done = Column(CodingKeys.done)
        static let lastFailure = Column(CodingKeys.lastFailure)
        static let firstSeen = Column(CodingKeys.firstSeen)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.lastRun] = lastRun?.timeIntervalSince1970
        container[Columns.nextRun] = nextRun?.timeIntervalSince1970
        container[Columns.done] = done
        container[Columns.lastFailure] = lastFailure
        container[Columns.firstSeen] = firstSeen?.timeIntervalSince1970
    }
}
