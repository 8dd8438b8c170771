import Foundation
import GRDB
import PixiesetModels

/// The approvals of a state: every SQL statement of the
/// `approval` table. A request holds its send key while it is open
/// (pending or approved): an identical one joins it.
extension StateStore {
    /// Records a request, or returns the open one that already holds its key (joined, not made twice).
    package func requestApproval(_ approval: Approval) async throws -> (approval: Approval, joined: Bool) {
        try await writes.write { db in
            if let open = try Row.fetchOne(
                db, sql: "SELECT * FROM approval WHERE conversation_id = ? AND send_key = ? AND state IN ('pending', 'approved')",
                arguments: [approval.conversationID, approval.key])
            {
                return (Self.approval(open), true)
            }
            try db.execute(
                sql: """
                    INSERT INTO approval (id, conversation_id, client_name, content, attachments, send_key, script, position, why,
                                          latest_message_id, state, created_at, expires_at, max_sends, zone)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)
                    """,
                arguments: [
                    approval.id, approval.conversationID, approval.clientName, approval.content, approval.attachments.wireJSON, approval.key,
                    approval.script, approval.position, approval.why, approval.latestMessageID, approval.createdAt.timeIntervalSince1970,
                    approval.expiresAt.timeIntervalSince1970, approval.maxSends, approval.zone,
                ])
            try Self.journal(db, at: approval.createdAt, kind: .approvalRequested, conversationID: approval.conversationID, detail: approval.id)
            return (approval, false)
        }
    }

    /// Approvals in `states` (all without), oldest first.
    public func approvals(in states: [Approval.State] = []) throws -> [Approval] {
        try pool.read { db in
            let filter = states.isEmpty ? "" : " WHERE state IN (\(states.map { "'\($0.rawValue)'" }.joined(separator: ", ")))"
            return try Row.fetchAll(db, sql: "SELECT * FROM approval\(filter) ORDER BY created_at, id").map(Self.approval)
        }
    }

    public func approval(_ id: String) throws -> Approval? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM approval WHERE id = ?", arguments: [id]).map(Self.approval) }
    }

    /// Approves (with the text edited, if given) or rejects a pending request.
    /// - Returns: false when it was not pending (decided already, withdrawn, expired).
    public func decide(_ id: String, approve: Bool, edited: String? = nil, reason: String? = nil, at now: Date) async throws -> Bool {
        try await writes.write { db in
            try db.execute(
                sql: "UPDATE approval SET state = ?, edited = COALESCE(?, edited), detail = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
                arguments: [approve ? "approved" : "rejected", edited, reason, now.timeIntervalSince1970, id])
            guard db.changesCount > 0, let row = try Row.fetchOne(db, sql: "SELECT conversation_id FROM approval WHERE id = ?", arguments: [id])
            else { return false }
            if !approve { ApprovalFiles.remove(approval: id, in: self) }
            let detail = approve ? id + (edited == nil ? "" : " (edited)") : id + (reason.map { ": \($0)" } ?? "")
            try Self.journal(db, at: now, kind: approve ? .approved : .rejected, conversationID: row["conversation_id"], detail: detail)
            return true
        }
    }

    /// Closes an open request: withdrawn or expired (with why), or sent (with its message).
    package func closeApproval(_ id: String, as state: Approval.State, detail: String?, messageID: String? = nil, at now: Date) async throws {
        defer { ApprovalFiles.remove(approval: id, in: self) }
        try await writes.write { db in
            try db.execute(
                sql: "UPDATE approval SET state = ?, detail = COALESCE(?, detail), message_id = ?, decided_at = COALESCE(decided_at, ?) WHERE id = ? AND state IN ('pending', 'approved')",
                arguments: [state.rawValue, detail, messageID, now.timeIntervalSince1970, id])
            guard db.changesCount > 0, state != .sent,
                  let row = try Row.fetchOne(db, sql: "SELECT conversation_id FROM approval WHERE id = ?", arguments: [id])
            else { return }
            let kind: JournalKind = switch state {
            case .expired: .approvalExpired
            case .refused: .approvalRefused
            default: .withdrawn
            }
            try Self.journal(db, at: now, kind: kind, conversationID: row["conversation_id"],
                             detail: "\(id)" + (detail.map { ": \($0)" } ?? ""))
        }
    }

    /// The conversation moved on: its open requests asked before `before` are withdrawn (a new client message).
    package func withdrawApprovals(in conversationID: String, askedBefore before: Date, reason: String, at now: Date) async throws {
        for approval in try approvals(in: [.pending, .approved])
        where approval.conversationID == conversationID && approval.createdAt < before {
            try await closeApproval(approval.id, as: .withdrawn, detail: reason, at: now)
        }
    }

    /// When the next open request expires (nil: none is open): the daemon wakes for it.
    package func nextApprovalExpiry() throws -> Date? {
        try pool.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(expires_at) FROM approval WHERE state IN ('pending', 'approved')")
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Open requests past their expiry are closed as expired.
    package func expireApprovals(at now: Date) async throws {
        let due = try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, expires_at FROM approval WHERE state IN ('pending', 'approved') AND expires_at <= ?",
                arguments: [now.timeIntervalSince1970])
        }
        for row in due {
            // The API's form (six fraction digits, `Z`), as every time the journal keeps.
            let until = Timestamp(Date(timeIntervalSince1970: row["expires_at"])).text
            try await closeApproval(row["id"], as: .expired, detail: "not sent within its time (until \(until))", at: now)
        }
    }

    package static func approval(_ row: Row) -> Approval {
        Approval(
            id: row["id"], conversationID: row["conversation_id"], clientName: row["client_name"], content: row["content"], edited: row["edited"],
            attachments: SendTable.strings(row["attachments"]), key: row["send_key"], script: row["script"], position: row["position"],
            why: row["why"], latestMessageID: row["latest_message_id"], state: Approval.State(rawValue: row["state"]) ?? .withdrawn,
            createdAt: Date(timeIntervalSince1970: row["created_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            decidedAt: (row["decided_at"] as Double?).map { Date(timeIntervalSince1970: $0) }, detail: row["detail"], messageID: row["message_id"],
            maxSends: row["max_sends"], zone: row["zone"])
    }
}
