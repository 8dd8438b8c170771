import Foundation
import GRDB
import PixiesetModels

/// The approvals of a state (the `approval` table). A request holds its send
/// key while it is open (pending or approved): an identical one joins it.
public struct Approvals: Sendable {
    let pool: DatabasePool
    let writes: GroupCommit
    /// The state file's path: a request's copies of its files live beside it (`ApprovalFiles`).
    let statePath: String

    private typealias Columns = ApprovalRow.Columns
    private static let openStates = [Approval.State.pending, .approved].map(\.rawValue)

    /// Records a request, or returns the open one that already holds its key (joined, not made twice).
    package func request(_ approval: Approval) async throws -> (approval: Approval, joined: Bool) {
        try await writes.write { db in
            let holding = ApprovalRow.filter(
                Columns.conversationID == approval.conversationID && Columns.sendKey == approval.key && Self.openStates.contains(Columns.state))
            if let open = try holding.fetchOne(db) { return (open.approval, true) }
            try ApprovalRow(approval, state: .pending).insert(db)
            try Journal.append(db, at: approval.createdAt, kind: .approvalRequested, conversationID: approval.conversationID, detail: approval.id)
            return (approval, false)
        }
    }

    /// Approvals in `states` (all without), oldest first.
    public func list(in states: [Approval.State] = []) throws -> [Approval] {
        try pool.read { db in
            var request = ApprovalRow.all()
            if !states.isEmpty { request = request.filter(states.map(\.rawValue).contains(Columns.state)) }
            return try request.order(Columns.createdAt, Columns.id).fetchAll(db).map(\.approval)
        }
    }

    public func find(_ id: String) throws -> Approval? {
        try pool.read { db in try ApprovalRow.fetchOne(db, key: id)?.approval }
    }

    /// Approves (with the text edited, if given) or rejects a pending request.
    /// - Returns: false when it was not pending (decided already, withdrawn, expired).
    public func decide(_ id: String, approve: Bool, edited: String? = nil, reason: String? = nil, at now: Date) async throws -> Bool {
        let statePath = statePath
        return try await writes.write { db in
            var changes = [
                Columns.state.set(to: (approve ? Approval.State.approved : .rejected).rawValue), Columns.detail.set(to: reason),
                Columns.decidedAt.set(to: now.timeIntervalSince1970),
            ]
            if let edited { changes.append(Columns.edited.set(to: edited)) }
            let changed = try ApprovalRow.filter(key: id).filter(Columns.state == Approval.State.pending.rawValue).updateAll(db, changes)
            guard changed > 0, let row = try ApprovalRow.fetchOne(db, key: id) else { return false }
            if !approve { ApprovalFiles.remove(approval: id, statePath: statePath) }
            let detail = approve ? id + (edited == nil ? "" : " (edited)") : id + (reason.map { ": \($0)" } ?? "")
            try Journal.append(db, at: now, kind: approve ? .approved : .rejected, conversationID: row.conversationID, detail: detail)
            return true
        }
    }

    /// Closes an open request: withdrawn or expired (with why), or sent (with its message).
    package func close(_ id: String, as state: Approval.State, detail: String?, messageID: String? = nil, at now: Date) async throws {
        defer { ApprovalFiles.remove(approval: id, statePath: statePath) }
        try await writes.write { db in
            var changes = [
                Columns.state.set(to: state.rawValue), Columns.messageID.set(to: messageID),
                Columns.decidedAt.set(to: Columns.decidedAt ?? now.timeIntervalSince1970),
            ]
            if let detail { changes.append(Columns.detail.set(to: detail)) }
            let changed = try ApprovalRow.filter(key: id).filter(Self.openStates.contains(Columns.state)).updateAll(db, changes)
            guard changed > 0, state != .sent, let row = try ApprovalRow.fetchOne(db, key: id) else { return }
            let kind: JournalKind = switch state {
            case .expired: .approvalExpired
            case .refused: .approvalRefused
            default: .withdrawn
            }
            try Journal.append(db, at: now, kind: kind, conversationID: row.conversationID, detail: "\(id)" + (detail.map { ": \($0)" } ?? ""))
        }
    }

    /// The conversation moved on: its open requests asked before `before` are withdrawn (a new client message).
    /// - Returns: the ids withdrawn, for the log.
    @discardableResult
    package func withdraw(in conversationID: String, askedBefore before: Date, reason: String, at now: Date) async throws -> [String] {
        // Every handler run asks: one conversation's open requests are read, not every request of the state.
        var withdrawn: [String] = []
        for row in try openRows(where: Columns.conversationID == conversationID) where row.createdAt < before {
            try await close(row.id, as: .withdrawn, detail: reason, at: now)
            withdrawn.append(row.id)
        }
        return withdrawn
    }

    /// The open requests that match `filter`. Not async, so that its read is the synchronous one: GRDB's
    /// async read keeps its reader until the awaiting task resumes (see `StateStore.pool`).
    private func openRows(where filter: SQLExpression) throws -> [ApprovalRow] {
        try pool.read { db in try ApprovalRow.filter(Self.openStates.contains(Columns.state) && filter).fetchAll(db) }
    }

    /// When the next undecided request expires (nil: none waits for a decision): the daemon wakes for it.
    package func nextExpiry() throws -> Date? {
        try pool.read { db in
            try ApprovalRow.filter(Columns.state == Approval.State.pending.rawValue).select(min(Columns.expiresAt), as: Double.self).fetchOne(db)
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Whether any request is open (undecided, or approved and not sent yet).
    package func anyOpen() throws -> Bool {
        try pool.read { db in try ApprovalRow.filter(Self.openStates.contains(Columns.state)).isEmpty(db) == false }
    }

    /// Open requests past their expiry are closed as expired.
    package func expire(at now: Date) async throws {
        // Only what nobody decided: an approved request stays until it is sent (or withdrawn), whatever
        // the studio's trouble meanwhile; it was approved, not left to run out.
        let pending = Columns.state == Approval.State.pending.rawValue
        for row in try openRows(where: Columns.expiresAt <= now.timeIntervalSince1970 && pending) {
            // The API's form (six fraction digits, `Z`), as every time the journal keeps.
            try await close(row.id, as: .expired, detail: "not sent within its time (until \(Timestamp(row.expiresAt).text))", at: now)
        }
    }

    /// Open requests no notification has listed yet, oldest first.
    package func unnotified() throws -> [Approval] {
        try pool.read { db in
            try ApprovalRow.filter(Columns.state == Approval.State.pending.rawValue && Columns.notifiedAt == nil)
                .order(Columns.createdAt, Columns.id).fetchAll(db).map(\.approval)
        }
    }

    /// Marks requests as listed by a notification.
    package func markNotified(_ ids: [String], at now: Date) throws {
        try pool.write { db in
            _ = try ApprovalRow.filter(keys: ids).updateAll(db, Columns.notifiedAt.set(to: now.timeIntervalSince1970))
        }
    }
}

extension ApprovalRow {
    /// A new request's row, as recorded when it is asked (undecided, unedited).
    init(_ approval: Approval, state: Approval.State) {
        self.init(
            id: approval.id, conversationID: approval.conversationID, clientName: approval.clientName, content: approval.content,
            edited: nil, attachments: approval.attachments.wireJSON, sendKey: approval.key, script: approval.script,
            position: approval.position, why: approval.why, latestMessageID: approval.latestMessageID, state: state.rawValue,
            createdAt: approval.createdAt, expiresAt: approval.expiresAt, decidedAt: nil, detail: nil, messageID: nil, notifiedAt: nil, maxSends: approval.maxSends, zone: approval.zone)
    }

    var approval: Approval {
        Approval(
            id: id, conversationID: conversationID, clientName: clientName, content: content, edited: edited,
            attachments: SendTable.strings(attachments), key: sendKey, script: script, position: position, why: why,
            latestMessageID: latestMessageID, state: Approval.State(rawValue: state) ?? .withdrawn, createdAt: createdAt, expiresAt: expiresAt,
            decidedAt: decidedAt, detail: detail, messageID: messageID, maxSends: maxSends, zone: zone)
    }
}
