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

/// Why the outbox refuses a send (SPEC §5 `pause`, `--max-sends`).
public enum SendRefusal: Error, Sendable, Equatable {
    case paused
    case cap(limit: Int, day: String)
}

extension StateStore {
    /// Records the intent before the request (SPEC §6): in one transaction,
    /// checks pause and the key, takes a place under the day's cap and
    /// inserts the pending send.
    ///
    /// - Parameters:
    ///   - window: how long a send without an explicit key blocks an
    ///     identical one (24 hours); explicit keys block forever.
    public func reserveSend(
        _ intent: SendIntent, key: String, explicitKey: Bool, now: Date, day: String, cap: Int, window: TimeInterval = 86_400
    ) async throws -> SendReservation {
        try await writes.write { db in
            if try Self.isPaused(db) { throw SendRefusal.paused }
            let earlier = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT state, message_json, sent_at FROM send WHERE conversation_id = ? AND send_key = ? ORDER BY id"),
                arguments: [intent.conversationID, key])
            for row in earlier {
                let state: String = row["state"]
                if state == "pending" { return .inFlight }
                let sentAt: Double = row["sent_at"] ?? 0
                if explicitKey || sentAt >= now.timeIntervalSince1970 - window {
                    return .alreadySent(messageJSON: row["message_json"] ?? "{}")
                }
            }
            let used = try Int.fetchOne(db.cachedStatement(sql: "SELECT count FROM daily_sends WHERE day = ?"), arguments: [day]) ?? 0
            guard used < cap else { throw SendRefusal.cap(limit: cap, day: day) }
            try db.cachedStatement(sql: "INSERT INTO daily_sends (day, count) VALUES (?, 1) ON CONFLICT(day) DO UPDATE SET count = count + 1")
                .execute(arguments: [day])
            try db.cachedStatement(sql: """
                INSERT INTO send (conversation_id, send_key, explicit_key, content, attachment_ids, attachment_names,
                                  state, attempted_at, day)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                """).execute(arguments: [
                    intent.conversationID, key, explicitKey, intent.content, intent.attachmentIDs.wireJSON,
                    intent.attachmentNames.wireJSON, now.timeIntervalSince1970, day,
                ])
            let entry = OutboxEntry(id: db.lastInsertedRowID, intent: intent, key: key, explicitKey: explicitKey, attemptedAt: now, day: day)
            return .proceed(entry)
        }
    }

    /// The first message sent under `key` to the conversation (API JSON),
    /// when it still blocks a new send: forever for an explicit key, for
    /// `window` seconds otherwise. Read in turn with the writes, so an
    /// outcome recorded just before is seen.
    public func sentMessage(conversationID: String, key: String, explicitKey: Bool, now: Date, window: TimeInterval = 86_400) async throws
        -> String?
    {
        try await writes.write { db in
            let since = explicitKey ? -Double.greatestFiniteMagnitude : now.timeIntervalSince1970 - window
            return try String.fetchOne(
                db,
                sql: """
                    SELECT message_json FROM send
                    WHERE conversation_id = ? AND send_key = ? AND state = 'sent' AND sent_at >= ? ORDER BY id LIMIT 1
                    """,
                arguments: [conversationID, key, since])
        }
    }

    /// Records the outcome of a send that reached the studio; returns once it is committed.
    public func markSent(_ entry: OutboxEntry, message: Message, at: Date, reconciled: Bool) async throws {
        try await writes.write { db in try Self.recordSent(db, entry, message: message, at: at, reconciled: reconciled) }
    }

    /// `markSent` without waiting: committed with the next state write, or
    /// within `GroupCommit.flushDelay`. Safe to lose: a send left pending
    /// is looked for in its conversation before the next run (SPEC §6), and
    /// a later send with the same key, queued after it, sees it.
    /// `ifFailed` hears of an outcome that could not be recorded.
    public func markSentSoon(_ entry: OutboxEntry, message: Message, at: Date, ifFailed: @escaping @Sendable (any Error) -> Void) {
        writes.deferred({ db in try Self.recordSent(db, entry, message: message, at: at, reconciled: false) }, ifFailed: ifFailed)
    }

    /// Commits the writes `markSentSoon` queued.
    public func flush() async throws { try await writes.flush() }

    /// The message is kept as API JSON, made here: inside the write, so on the database's thread.
    private static func recordSent(_ db: Database, _ entry: OutboxEntry, message: Message, at: Date, reconciled: Bool) throws {
        let json = message.wireJSON
        try db.cachedStatement(sql: "UPDATE send SET state = 'sent', message_id = ?, message_json = ?, sent_at = ? WHERE id = ?")
            .execute(arguments: [message.id, json, at.timeIntervalSince1970, entry.id])
        try journal(
            db, at: at, kind: reconciled ? "reconciled" : "sent", conversationID: entry.intent.conversationID,
            detail: "\(message.id) (key \(entry.key.prefix(60)))")
    }

    /// Forgets a send that surely did not happen, and gives its place under the cap back.
    public func abandonSend(_ entry: OutboxEntry, reason: String, at: Date) async throws {
        try await writes.write { db in
            try db.execute(sql: "DELETE FROM send WHERE id = ? AND state = 'pending'", arguments: [entry.id])
            if db.changesCount > 0 {
                try db.execute(sql: "UPDATE daily_sends SET count = MAX(count - 1, 0) WHERE day = ?", arguments: [entry.day])
            }
            try Self.journal(db, at: at, kind: "failed", conversationID: entry.intent.conversationID, detail: reason)
        }
    }

    /// Sends recorded but not known to have happened (a run was interrupted,
    /// or an outcome stayed unknown): to reconcile before anything else runs.
    public func pendingSends() throws -> [OutboxEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM send WHERE state = 'pending' ORDER BY id").map { row in
                OutboxEntry(
                    id: row["id"],
                    intent: SendIntent(
                        conversationID: row["conversation_id"], content: row["content"],
                        attachmentIDs: Self.strings(row["attachment_ids"]), attachmentNames: Self.strings(row["attachment_names"])),
                    key: row["send_key"], explicitKey: row["explicit_key"],
                    attemptedAt: Date(timeIntervalSince1970: row["attempted_at"]), day: row["day"])
            }
        }
    }

    /// Ids of the conversation's messages already matched to sends, so a
    /// reconciliation never claims one twice.
    public func matchedMessageIDs(in conversationID: String) async throws -> Set<String> {
        // In turn with the writes: an outcome recorded just before counts.
        try await writes.write { db in try Self.matchedMessageIDs(db, in: conversationID) }
    }

    static func matchedMessageIDs(_ db: Database, in conversationID: String) throws -> Set<String> {
        Set(try String.fetchAll(
            db.cachedStatement(sql: "SELECT message_id FROM send WHERE conversation_id = ? AND message_id IS NOT NULL"),
            arguments: [conversationID]))
    }

    /// Sends counted for `day`.
    public func sendCount(day: String) throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count FROM daily_sends WHERE day = ?", arguments: [day]) ?? 0 }
    }

    static func strings(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
