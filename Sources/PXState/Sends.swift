import Foundation
import GRDB
import PixiesetKit
import PixiesetModels

/// A send recorded in the outbox.
public struct OutboxEntry: Sendable, Hashable {
    public let id: Int64
    public let intent: SendIntent
    public let key: String
    public let explicitKey: Bool
    /// When the first attempt began, by the runtime's clock.
    public let attemptedAt: Date
    /// The day (in the send cap's zone) whose count this send took.
    public let day: String
}

/// What the outbox says about a send about to be made.
public enum SendReservation: Sendable {
    /// Recorded as pending, with a place under the day's cap: make the request.
    case proceed(OutboxEntry)
    /// Already sent under this key: skip, and return the first message (API JSON).
    case alreadySent(messageJSON: String)
    /// The same send is in flight (or pending reconciliation): skip.
    case inFlight
}

/// Why the outbox refuses a send (docs/spec.md §5 `pause`, `--max-sends`).
public enum SendRefusal: Error, Sendable, Equatable {
    case paused
    case cap(limit: Int, day: String)
    /// The same send is under way in another run or process, or pending a check after an interruption.
    case inFlight(conversationID: String)
}

/// One message pxscript sent, as results count it.
public struct SentRecord: Sendable, Hashable {
    public let conversationID: String
    public let sentAt: Date
    /// The script line that sent it (`followup.lua:12`), when recorded.
    public let position: String?
    /// The explicit `key =` it was sent under, if any.
    public let explicitKey: String?
}

/// The sends of a state: made through the `Outbox` (its lease, log and fold,
/// decision 0007), read from the `send` table, with the script line each
/// message was sent from (`send_origin`).
public struct Sends: Sendable {
    let pool: DatabasePool
    let outbox: Outbox

    /// Records the intent before the request (docs/spec.md §6): checks pause and the
    /// key, takes a place under the day's cap and records the pending send,
    /// all under the state's send lease (see `Outbox`).
    ///
    /// - Parameters:
    ///   - window: how long a send without an explicit key blocks an
    ///     identical one (24 hours); explicit keys block forever.
    public func reserve(
        _ intent: SendIntent, key: String, explicitKey: Bool, now: Date, day: String, cap: Int, window: TimeInterval = 86_400
    ) async throws -> SendReservation {
        try await outbox.reserve(intent, key: key, explicitKey: explicitKey, now: now, day: day, cap: cap, window: window)
    }

    /// The first message sent under `key` to the conversation (API JSON),
    /// when it still blocks a new send: forever for an explicit key, for
    /// `window` seconds otherwise.
    public func sentMessage(conversationID: String, key: String, explicitKey: Bool, now: Date, window: TimeInterval = 86_400) throws -> String? {
        try outbox.sentMessage(conversationID: conversationID, key: key, explicitKey: explicitKey, now: now, window: window)
    }

    /// Records the outcome of a send that reached the studio; returns once it is committed.
    public func markSent(_ entry: OutboxEntry, message: Message, at: Date, reconciled: Bool) async throws {
        try outbox.sent(entry, message: message, at: at, reconciled: reconciled)
        try await outbox.flush()
    }

    /// `markSent` without waiting for the state file: the outcome is in the
    /// outbox log at once and folded into the file within `Outbox.foldDelay`.
    /// `ifFailed` hears of an outcome that could not be recorded (the next
    /// run then looks for the message in its conversation, docs/spec.md §6).
    public func markSentSoon(_ entry: OutboxEntry, message: Message, at: Date, ifFailed: @escaping @Sendable (any Error) -> Void) {
        do {
            try outbox.sent(entry, message: message, at: at, reconciled: false)
        } catch {
            ifFailed(error)
        }
    }

    /// Forgets a send that surely did not happen, and gives its place under
    /// the cap back; returns once that is committed, so the journal has the
    /// failure in the order it happened.
    public func abandonSend(_ entry: OutboxEntry, reason: String, at: Date) async throws {
        try outbox.abandon(entry, reason: reason, at: at)
        try await outbox.flush()
    }

    /// A send whose outcome stays unknown: left pending for reconciliation.
    public func leavePending(_ entry: OutboxEntry) {
        outbox.leavePending(entry)
    }

    /// Whether this process left a send pending that is not checked yet (a daemon checks between cycles).
    public var hasLeftPendingSends: Bool { outbox.hasLeftPending }

    /// Sends recorded but not known to have happened, as the file has them
    /// (for `status`; a running sender's last sends reach the file within
    /// `Outbox.foldDelay`).
    public func pendingSends() throws -> [OutboxEntry] {
        try pool.read { db in try SendTable.pending(db) }
    }

    /// Takes the send lease and returns the pending sends no live process
    /// is making (an interrupted run's, or outcomes left unknown), to
    /// reconcile before anything else runs; each is settled with
    /// `markSent` or `abandonSend`.
    public func claimPendingSends() async throws -> [OutboxEntry] {
        try await outbox.claimPending()
    }

    /// The normalised texts of the sends to a conversation attempted since `since` (pending or
    /// sent): the loop guard's last resort, for an API that relabels and re-ids its messages.
    public func recentSendTexts(in conversationID: String, since: Date) throws -> Set<String> {
        try pool.read { db in
            Set(try SendTable.contents(in: conversationID, since: since, db).map(SendIntent.normalise))
        }
    }

    /// Ids of the conversation's messages already matched to sends, so a
    /// reconciliation never claims one twice.
    public func matchedMessageIDs(in conversationID: String) throws -> Set<String> {
        try outbox.matchedMessageIDs(in: conversationID)
    }

    /// Sends counted for `day` in the file.
    public func sendCount(day: String) throws -> Int {
        try pool.read { db in try SendTable.count(day: day, db) }
    }

    /// The sends made under keys starting with `prefix` in `conversationID` (an event's, `e:MSG:`),
    /// with their normalised text: a retried event matches its sends by text.
    package func sends(in conversationID: String, keyPrefix prefix: String) throws -> [(key: String, content: String)] {
        // Compared here: SQL's LIKE would ignore case.
        try pool.read { db in
            try SendRow.filter(SendRow.Columns.conversationID == conversationID).fetchAll(db).filter { $0.sendKey.hasPrefix(prefix) }
                .map { (key: $0.sendKey, content: SendIntent.normalise($0.content)) }
        }
    }

    /// Records the script line a message was sent from.
    package func noteOrigin(of messageID: String, position: String) throws {
        try pool.write { db in try SendOriginRow(messageID: messageID, position: position).insert(db, onConflict: .ignore) }
    }

    /// The script lines that sent these messages, by message id (those recorded).
    public func origins(of messageIDs: [String]) throws -> [String: String] {
        guard !messageIDs.isEmpty else { return [:] }
        return try pool.read { db in try Self.origins(of: messageIDs, db) }
    }

    private static func origins(of messageIDs: [String], _ db: Database) throws -> [String: String] {
        var origins: [String: String] = [:]
        for slice in QueryPieces.slices(messageIDs) {
            for row in try SendOriginRow.fetchAll(db, keys: slice) { origins[row.messageID] = row.position }
        }
        return origins
    }

    /// The messages sent since `since`, oldest first.
    public func sentRecords(since: Date) throws -> [SentRecord] {
        try pool.read { db in
            let sends = try SendRow.filter(SendRow.Columns.state == "sent" && SendRow.Columns.sentAt >= since.timeIntervalSince1970)
                .order(SendRow.Columns.sentAt).fetchAll(db)
            let origins = try Self.origins(of: sends.compactMap(\.messageID), db)
            return sends.map { send in
                SentRecord(
                    conversationID: send.conversationID, sentAt: send.sentAt ?? send.attemptedAt, position: send.messageID.flatMap { origins[$0] },
                    explicitKey: send.explicitKey ? String(send.sendKey.hasPrefix("k:") ? send.sendKey.dropFirst(2) : send.sendKey[...]) : nil)
            }
        }
    }
}
