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

/// The notices of a state (the `notice`, `notice_delivery` and
/// `notice_condition` tables). A notice is written with one delivery row per
/// target before anything is tried, so a restart delivers what a stop
/// interrupted.
public struct Notices: Sendable {
    let pool: DatabasePool

    private typealias Delivery = NoticeDeliveryRow.Columns

    /// Posts `notice` for `targets` (their keys); with no targets it is only recorded.
    @discardableResult
    package func post(_ notice: Notice, origin: NoticeOrigin, targets: [String]) throws -> Int64 {
        try pool.write { db in try Self.post(db, notice, origin: origin, targets: targets) }
    }

    private static func post(_ db: Database, _ notice: Notice, origin: NoticeOrigin, targets: [String]) throws -> Int64 {
        let row = NoticeRow(
            kind: notice.kind.rawValue, condition: notice.condition, title: notice.title, text: notice.text, script: notice.script,
            origin: origin.rawValue, createdAt: notice.at)
        try row.insert(db)
        let id = db.lastInsertedRowID
        for target in Set(targets) {
            try NoticeDeliveryRow(noticeID: id, target: target, state: "pending", attempts: 0).insert(db)
        }
        // Bounded: notices done with for 30 days are forgotten (the journal keeps the sends they were about).
        let old = TableAlias<NoticeRow>()
        let waiting = NoticeDeliveryRow.filter(Delivery.noticeID == old[NoticeRow.Columns.id] && Delivery.state == "pending")
        try NoticeRow.aliased(old).filter(old[NoticeRow.Columns.createdAt] < notice.at.timeIntervalSince1970 - 30 * 86_400 && !waiting.exists())
            .deleteAll(db)
        try NoticeDeliveryRow.filter(!NoticeRow.select(NoticeRow.Columns.id).contains(Delivery.noticeID)).deleteAll(db)
        return id
    }

    /// Raises `condition`: posts `notice` unless the condition is raised already.
    /// - Returns: whether it was posted (false: it was raised before and has not cleared).
    @discardableResult
    package func raise(_ condition: String, detail: String, notice: Notice, targets: [String]) throws -> Bool {
        try pool.write { db in
            try NoticeConditionRow(name: condition, raisedAt: notice.at, detail: detail).insert(db, onConflict: .ignore)
            guard db.changesCount > 0 else { return false }
            _ = try Self.post(db, notice, origin: .daemon, targets: targets)
            return true
        }
    }

    /// Clears `condition`: posts what `notice` makes of its detail, when it was raised.
    /// - Returns: whether it was raised (and so a "cleared" notice posted).
    @discardableResult
    package func clear(_ condition: String, targets: [String], notice: (String) -> Notice) throws -> Bool {
        try pool.write { db in
            guard let raised = try NoticeConditionRow.fetchOne(db, key: condition) else { return false }
            try raised.delete(db)
            _ = try Self.post(db, notice(raised.detail), origin: .daemon, targets: targets)
            return true
        }
    }

    /// The conditions raised and not cleared, by name.
    public func raised() throws -> [String: String] {
        try pool.read { db in
            Dictionary(try NoticeConditionRow.fetchAll(db).map { ($0.name, $0.detail) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The oldest notices still waiting for `target`, oldest first.
    package func pendingDeliveries(for target: String, limit: Int = 1) throws -> [PendingDelivery] {
        try pool.read { db in
            let deliveries = try NoticeDeliveryRow.filter(Delivery.target == target && Delivery.state == "pending")
                .order(Delivery.noticeID).limit(limit).fetchAll(db)
            return try deliveries.compactMap { delivery in
                try NoticeRow.fetchOne(db, key: delivery.noticeID).map {
                    PendingDelivery(noticeID: delivery.noticeID, notice: $0.notice, attempts: delivery.attempts)
                }
            }
        }
    }

    /// Records a try: delivered, failed (tried again later), or given up (with the last error).
    /// `note`: the journal's `notification given up` line, written in the same transaction.
    package func recordDelivery(
        _ noticeID: Int64, target: String, delivered: Bool, givenUp: Bool = false, error: String? = nil, note: String? = nil, at now: Date
    ) throws {
        try pool.write { db in
            let state = delivered ? "delivered" : givenUp ? "given up" : "pending"
            let changed = try NoticeDeliveryRow.filter(Delivery.noticeID == noticeID && Delivery.target == target && Delivery.state == "pending")
                .updateAll(
                    db, Delivery.state.set(to: state), Delivery.attempts += 1, Delivery.lastError.set(to: error),
                    Delivery.doneAt.set(to: state == "pending" ? nil : now.timeIntervalSince1970))
            if state == "given up", let note, changed > 0 {
                try Journal.append(db, at: now, kind: .notificationGivenUp, conversationID: nil, detail: note)
            }
        }
    }

    /// How many notices came from `origin` at or after `since` (the hourly limit of `px.notify`).
    package func count(from origin: NoticeOrigin, since: Date) throws -> Int {
        try pool.read { db in
            try NoticeRow.filter(NoticeRow.Columns.origin == origin.rawValue && NoticeRow.Columns.createdAt >= since.timeIntervalSince1970)
                .fetchCount(db)
        }
    }

    /// Notices some target has yet to take, and those a target was given up on (kept 30 days).
    package func backlog() throws -> (waiting: Int, givenUp: Int) {
        try pool.read { db in
            func notices(_ state: String) throws -> Int {
                try NoticeDeliveryRow.filter(Delivery.state == state).select(Delivery.noticeID).distinct().fetchCount(db)
            }
            return (try notices("pending"), try notices("given up"))
        }
    }

    /// The newest `limit` notices, oldest first, with their delivery states (`pending`, `delivered`, `given up`).
    public func recent(limit: Int = 50) throws -> [(notice: Notice, deliveries: [String])] {
        try pool.read { db in
            try NoticeRow.order(NoticeRow.Columns.id.desc).limit(limit).fetchAll(db).reversed().map { row in
                let states = try NoticeDeliveryRow.filter(Delivery.noticeID == row.id).order(Delivery.target)
                    .select(Delivery.state, as: String.self).fetchAll(db)
                return (row.notice, states)
            }
        }
    }
}

extension NoticeRow {
    var notice: Notice {
        Notice(kind: Notice.Kind(rawValue: kind) ?? .message, condition: condition, title: title, text: text, script: script, at: createdAt)
    }
}
