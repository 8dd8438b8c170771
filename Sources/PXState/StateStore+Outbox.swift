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

extension StateStore {
    /// Records the intent before the request (docs/spec.md §6): checks pause and the
    /// key, takes a place under the day's cap and records the pending send,
    /// all under the state's send lease (see `Outbox`).
    ///
    /// - Parameters:
    ///   - window: how long a send without an explicit key blocks an
    ///     identical one (24 hours); explicit keys block forever.
    public func reserveSend(
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

    /// Commits the outbox's and the other queued writes.
    public func flush() async throws {
        try await outbox.flush()
        try await writes.flush()
    }

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

    /// Ids of the conversation's messages already matched to sends, so a
    /// reconciliation never claims one twice.
    /// The normalised texts of the sends to a conversation attempted since `since` (pending or
    /// sent): the loop guard's last resort, for an API that relabels and re-ids its messages.
    public func recentSendTexts(in conversationID: String, since: Date) throws -> Set<String> {
        try pool.read { db in
            Set(try SendTable.contents(in: conversationID, since: since, db).map(SendIntent.normalise))
        }
    }

    public func matchedMessageIDs(in conversationID: String) throws -> Set<String> {
        try outbox.matchedMessageIDs(in: conversationID)
    }

    /// Sends counted for `day` in the file.
    public func sendCount(day: String) throws -> Int {
        try pool.read { db in try SendTable.count(day: day, db) }
    }

}
