import Foundation
import GRDB
import PXNotify

/// Where a notice came from: the daemon's conditions and messages, a script's `px.notify`, the approvals digest.
public enum NoticeOrigin: String, Sendable {
    case daemon, script, digest
}

/// A notice waiting for one target.
package struct PendingDelivery: Sendable, Hashable {
    package let noticeID: Int64
    package let notice: Notice
    package let attempts: Int
}

/// The notices of a state: every SQL statement of the `notice`,
/// `notice_delivery` and `notice_condition` tables. A notice is written with
/// one delivery row per target before anything is tried, so a restart
/// delivers what a stop interrupted.
extension StateStore {
    /// Posts `notice` for `targets` (their keys); with no targets it is only recorded.
    @discardableResult
    package func postNotice(_ notice: Notice, origin: NoticeOrigin, targets: [String]) throws -> Int64 {
        try pool.write { db in try Self.post(db, notice, origin: origin, targets: targets) }
    }

    private static func post(_ db: Database, _ notice: Notice, origin: NoticeOrigin, targets: [String]) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO notice (kind, condition, title, text, script, origin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [notice.kind.rawValue, notice.condition, notice.title, notice.text, notice.script, origin.rawValue,
                        notice.at.timeIntervalSince1970])
        let id = db.lastInsertedRowID
        for target in Set(targets) {
            try db.execute(sql: "INSERT INTO notice_delivery (notice_id, target, state) VALUES (?, ?, 'pending')", arguments: [id, target])
        }
        // Bounded: notices done with for 30 days are forgotten (the journal keeps the sends they were about).
        let old = notice.at.timeIntervalSince1970 - 30 * 86_400
        try db.execute(
            sql: """
                DELETE FROM notice WHERE created_at < ?
                  AND NOT EXISTS (SELECT 1 FROM notice_delivery WHERE notice_id = notice.id AND state = 'pending')
                """, arguments: [old])
        try db.execute(sql: "DELETE FROM notice_delivery WHERE notice_id NOT IN (SELECT id FROM notice)")
        return id
    }

    /// Raises `condition`: posts `notice` unless the condition is raised already.
    /// - Returns: whether it was posted (false: it was raised before and has not cleared).
    @discardableResult
    package func raiseCondition(_ condition: String, detail: String, notice: Notice, targets: [String]) throws -> Bool {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO notice_condition (name, raised_at, detail) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING",
                arguments: [condition, notice.at.timeIntervalSince1970, detail])
            guard db.changesCount > 0 else { return false }
            _ = try Self.post(db, notice, origin: .daemon, targets: targets)
            return true
        }
    }

    /// Clears `condition`: posts what `notice` makes of its detail, when it was raised.
    /// - Returns: whether it was raised (and so a "cleared" notice posted).
    @discardableResult
    package func clearCondition(_ condition: String, targets: [String], notice: (String) -> Notice) throws -> Bool {
        try pool.write { db in
            guard let detail = try String.fetchOne(db, sql: "SELECT detail FROM notice_condition WHERE name = ?", arguments: [condition])
            else { return false }
            try db.execute(sql: "DELETE FROM notice_condition WHERE name = ?", arguments: [condition])
            _ = try Self.post(db, notice(detail), origin: .daemon, targets: targets)
            return true
        }
    }

    /// The conditions raised and not cleared, by name.
    public func raisedConditions() throws -> [String: String] {
        try pool.read { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT name, detail FROM notice_condition").map { ($0["name"], $0["detail"]) },
                       uniquingKeysWith: { a, _ in a })
        }
    }

    /// Appends to the journal from a synchronous caller (a px function).
    package func journalNow(_ kind: JournalKind, detail: String, at now: Date) throws {
        try pool.write { db in try Self.journal(db, at: now, kind: kind, conversationID: nil, detail: detail) }
    }

    /// The oldest notices still waiting for `target`, oldest first.
    package func pendingDeliveries(for target: String, limit: Int = 1) throws -> [PendingDelivery] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT n.*, d.attempts FROM notice_delivery d JOIN notice n ON n.id = d.notice_id
                    WHERE d.target = ? AND d.state = 'pending' ORDER BY d.notice_id LIMIT ?
                    """,
                arguments: [target, limit]
            ).map { row in PendingDelivery(noticeID: row["id"], notice: Self.notice(row), attempts: row["attempts"]) }
        }
    }

    /// Records a try: delivered, failed (tried again later), or given up (with the last error).
    /// `note`: the journal's `notification given up` line, written in the same transaction.
    package func recordDelivery(
        _ noticeID: Int64, target: String, delivered: Bool, givenUp: Bool = false, error: String? = nil, note: String? = nil, at now: Date
    ) throws {
        try pool.write { db in
            let state = delivered ? "delivered" : givenUp ? "given up" : "pending"
            try db.execute(
                sql: """
                    UPDATE notice_delivery SET state = ?, attempts = attempts + 1, last_error = ?, done_at = ?
                    WHERE notice_id = ? AND target = ? AND state = 'pending'
                    """,
                arguments: [state, error, state == "pending" ? nil : now.timeIntervalSince1970, noticeID, target])
            if state == "given up", let note, db.changesCount > 0 {
                try Self.journal(db, at: now, kind: .notificationGivenUp, conversationID: nil, detail: note)
            }
        }
    }

    /// How many notices came from `origin` at or after `since` (the hourly limit of `px.notify`).
    package func noticeCount(from origin: NoticeOrigin, since: Date) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM notice WHERE origin = ? AND created_at >= ?",
                arguments: [origin.rawValue, since.timeIntervalSince1970]) ?? 0
        }
    }

    /// Notices some target has yet to take, and those a target was given up on (kept 30 days).
    package func noticeBacklog() throws -> (waiting: Int, givenUp: Int) {
        try pool.read { db in
            let waiting = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT notice_id) FROM notice_delivery WHERE state = 'pending'") ?? 0
            let givenUp = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT notice_id) FROM notice_delivery WHERE state = 'given up'") ?? 0
            return (waiting, givenUp)
        }
    }

    /// The newest `limit` notices, oldest first, with their delivery states (`pending`, `delivered`, `given up`).
    public func notices(limit: Int = 50) throws -> [(notice: Notice, deliveries: [String])] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM notice ORDER BY id DESC LIMIT ?", arguments: [limit]).reversed().map { row in
                let states = try String.fetchAll(
                    db, sql: "SELECT state FROM notice_delivery WHERE notice_id = ? ORDER BY target", arguments: [row["id"] as Int64])
                return (Self.notice(row), states)
            }
        }
    }

    /// Open requests no notification has listed yet, oldest first.
    package func unnotifiedApprovals() throws -> [Approval] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM approval WHERE state = 'pending' AND notified_at IS NULL ORDER BY created_at, id")
                .map(Self.approval)
        }
    }

    /// Marks requests as listed by a notification.
    package func markApprovalsNotified(_ ids: [String], at now: Date) throws {
        try pool.write { db in
            for id in ids {
                try db.execute(sql: "UPDATE approval SET notified_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, id])
            }
        }
    }

    private static func notice(_ row: Row) -> Notice {
        Notice(
            kind: Notice.Kind(rawValue: row["kind"]) ?? .message, condition: row["condition"], title: row["title"], text: row["text"],
            script: row["script"], at: Date(timeIntervalSince1970: row["created_at"]))
    }
}
