import Foundation
import GRDB

/// What a journal line records, stored by raw value (the words `status --history` shows).
public enum JournalKind: String, Sendable, CaseIterable {
    case sent, reconciled, failed, handled, parked, skipped, paused, resumed, zone, pending
    case conversationUnreadable = "conversation unreadable"
    case conversationSetAside = "conversation set aside"
    /// A schedule's run that raised, or whose sends failed.
    case scheduleFailed = "schedule failed"
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

extension StateStore {
    /// Appends to the journal.
    public func journal(_ kind: JournalKind, conversationID: String?, detail: String, at: Date) async throws {
        try await pool.write { db in try Self.journal(db, at: at, kind: kind, conversationID: conversationID, detail: detail) }
    }

    package static func journal(_ db: Database, at: Date, kind: JournalKind, conversationID: String?, detail: String) throws {
        try db.cachedStatement(sql: "INSERT INTO journal (at, kind, conversation_id, detail) VALUES (?, ?, ?, ?)")
            .execute(arguments: [at.timeIntervalSince1970, kind.rawValue, conversationID, detail])
    }

    /// The newest `limit` entries, oldest first.
    public func journalTail(limit: Int) throws -> [JournalEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM journal ORDER BY id DESC LIMIT ?", arguments: [limit]).reversed().map { row in
                JournalEntry(
                    at: Date(timeIntervalSince1970: row["at"]), kind: row["kind"], conversationID: row["conversation_id"],
                    detail: row["detail"])
            }
        }
    }

    /// Journal lines newest first, `limit` of them after skipping `offset`, of one `kind` and about
    /// a conversation (its id, or text in the line) when given: the dashboard's activity pages.
    public func journalPage(offset: Int, limit: Int, kind: String? = nil, about: String? = nil) throws -> [JournalEntry] {
        try pool.read { db in
            var conditions: [String] = [], arguments: [(any DatabaseValueConvertible)?] = []
            if let kind { conditions.append("kind = ?"); arguments.append(kind) }
            if let about {
                conditions.append("(conversation_id = ? OR detail LIKE ? ESCAPE '\\')")
                let pattern = about.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_")
                arguments += [about, "%" + pattern + "%"]
            }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            arguments += [limit, offset]
            return try Row.fetchAll(
                db, sql: "SELECT * FROM journal\(filter) ORDER BY id DESC LIMIT ? OFFSET ?", arguments: StatementArguments(arguments)
            ).map { row in
                JournalEntry(
                    at: Date(timeIntervalSince1970: row["at"]), kind: row["kind"], conversationID: row["conversation_id"], detail: row["detail"])
            }
        }
    }

    /// Whether sends on this state are paused (`pxscript pause`).
    public func isPaused() throws -> Bool { try pool.read { db in try Self.isPaused(db) } }

    /// Pauses or resumes every send on this state, from any process.
    public func setPaused(_ paused: Bool, at: Date) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO setting (name, value) VALUES ('paused', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                arguments: [paused ? "1" : "0"])
            try Self.journal(db, at: at, kind: paused ? .paused : .resumed, conversationID: nil, detail: "")
        }
        Outbox.notePauseChange()
    }

    /// Watch's session health: why sends stopped (an expired session), or nil when fine.
    public func setSessionProblem(_ problem: String?) throws {
        try pool.write { db in
            if let problem {
                try db.execute(
                    sql: "INSERT INTO setting (name, value) VALUES ('session', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    arguments: [problem])
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE name = 'session'")
            }
        }
    }

    public func sessionProblem() throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'session'") }
    }

    package static func isPaused(_ db: Database) throws -> Bool {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM setting WHERE name = 'paused'")) == "1"
    }
}
