import Foundation
import GRDB

/// A row of `notice_delivery`. One notice for one target (recorded by a digest, never by URL).
struct NoticeDeliveryRow: StateRecord {
    static let databaseTableName = "notice_delivery"

    var noticeID: Int64
    var target: String
    /// `pending`, `delivered` or `given up`.
    var state: String
    var attempts: Int
    var lastError: String?
    var doneAt: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case noticeID = "notice_id"
        case target
        case state
        case attempts
        case lastError = "last_error"
        case doneAt = "done_at"
    }

    enum Columns {
        static let noticeID = Column(CodingKeys.noticeID)
        static let target = Column(CodingKeys.target)
        static let state = Column(CodingKeys.state)
        static let attempts = Column(CodingKeys.attempts)
        static let lastError = Column(CodingKeys.lastError)
        static let doneAt = Column(CodingKeys.doneAt)
    }

    /// Written column by column, not through `Encodable` (its coder costs microseconds a row, and
    /// its first use a scan of the binary's conformances at start-up). Times as seconds since 1970.
    func encode(to container: inout PersistenceContainer) throws {
        container[Columns.noticeID] = noticeID
        container[Columns.target] = target
        container[Columns.state] = state
        container[Columns.attempts] = attempts
        container[Columns.lastError] = lastError
        container[Columns.doneAt] = doneAt?.timeIntervalSince1970
    }
}
