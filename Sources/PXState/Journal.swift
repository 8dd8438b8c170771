import Foundation
import GRDB

/// What a journal line records, stored by raw value (the words `status --history` shows).
public enum JournalKind: String, Sendable, CaseIterable {
    case sent, reconciled, failed, handled, parked, skipped, paused, resumed, zone, pending
    case conversationUnreadable = "conversation unreadable"
    case conversationSetAside = "conversation set aside"
    /// A handler's try met the studio's trouble (unreachable, unreadable): its messages wait, no try used up.
    case studioTrouble = "studio trouble"
    /// A schedule's run that raised, or whose sends failed.
    case scheduleFailed = "schedule failed"
    /// A schedule run once by `watch --trigger` that worked (its own runs unchanged).
    case scheduleTriggered = "schedule triggered"
    /// Parked events queued again by `pxscript retry` or the dashboard.
    case retried
    /// Approvals: asked for, decided, and closed without a send.
    case approvalRequested = "approval requested"
    case approved, rejected, withdrawn
    case approvalExpired = "approval expired"
    /// An approved message the studio refused for good when it was sent.
    case approvalRefused = "approval refused"
    /// Notifications: a `px.notify` over its hourly limit, a target given up on.
    case notificationDropped = "notification dropped"
    case notificationGivenUp = "notification given up"
}

/// One line of the journal: every send, skip and failure with its reason.
public struct JournalEntry: Sendable, Hashable, Codable {
    public let at: Date
    /// A `JournalKind`'s raw value (kept as text: a state written by a later version may hold others).
    public let kind: String
    public let conversationID: String?
    public let detail: String
}

/// The journal of a state (the `journal` table): appended to by every job in
/// the transaction of what it records, read by `status --history` and the
/// dashboard's activity pages.
public struct Journal: Sendable {
    let pool: DatabasePool

    /// Appends a line.
    public func append(_ kind: JournalKind, conversationID: String?, detail: String, at: Date) async throws {
        try await pool.write { db in try Self.append(db, at: at, kind: kind, conversationID: conversationID, detail: detail) }
    }

    /// Appends a line from a synchronous caller (a px function).
    package func appendNow(_ kind: JournalKind, detail: String, at now: Date) throws {
        try pool.write { db in try Self.append(db, at: now, kind: kind, conversationID: nil, detail: detail) }
    }

    /// Appends a line inside another job's transaction.
    package static func append(_ db: Database, at: Date, kind: JournalKind, conversationID: String?, detail: String) throws {
        try JournalRow(at: at, kind: kind.rawValue, conversationID: conversationID, detail: detail).insert(db)
    }

    /// The newest `limit` entries, oldest first.
    public func tail(limit: Int) throws -> [JournalEntry] {
        try pool.read { db in
            try JournalRow.order(JournalRow.Columns.id.desc).limit(limit).fetchAll(db).reversed().map(\.entry)
        }
    }

    /// Journal lines newest first, `limit` of them after skipping `offset`, of one `kind` and about
    /// a conversation when given (its id, text in the line, or a conversation of `conversations`:
    /// those whose client's name has the text): the dashboard's activity pages.
    public func page(offset: Int, limit: Int, kind: String? = nil, about: String? = nil, conversations: [String] = []) throws -> [JournalEntry] {
        try pool.read { db in
            var request = JournalRow.all()
            if let kind { request = request.filter(JournalRow.Columns.kind == kind) }
            if let about {
                request = request.filter(
                    JournalRow.Columns.conversationID == about || JournalRow.Columns.detail.like("%" + QueryPieces.literal(about) + "%", escape: "\\")
                        || conversations.contains(JournalRow.Columns.conversationID))
            }
            return try request.order(JournalRow.Columns.id.desc).limit(limit, offset: offset).fetchAll(db).map(\.entry)
        }
    }

}

extension JournalRow {
    var entry: JournalEntry { JournalEntry(at: at, kind: kind, conversationID: conversationID, detail: detail) }
}
