import Foundation
import PixiesetKit
import GRDB
import PixiesetModels

/// Where a client message is in its handling (docs/spec.md §6), stored by raw value in `event.state`.
public enum LedgerState: String, Sendable, Hashable, CaseIterable {
    /// Found by a poll, not yet handled.
    case received
    /// A handler run for it has begun (a crash leaves it here: handled again at the next start).
    case handling
    case done
    /// A handler failed; tried again at `retry_at`.
    case failed
    /// Failed too often: left for the photographer (`status`).
    case parked
    /// Not handled, with its reason: history, too old, pxscript's own.
    case skipped
}

/// A client message recorded for handling (docs/spec.md §6 "Durable state").
public struct LedgerEvent: Sendable, Hashable {
    public let message: Message
    public let conversationID: String
    public let state: LedgerState
    public let attempts: Int
    /// When a failed event may be tried again.
    public let retryAt: Date?
    /// Queued again by `pxscript retry` after it parked: its sends are matched by their text (the
    /// script was edited; its sends may have moved).
    public var retried = false
}

/// What a handler or scheduled run leaves to commit when it completes.
package typealias HandlerEffects = (stored: [String: String?], once: [String: (first: Double, until: Double)])

/// What the poller last accepted of one conversation: the list's
/// `last_message_at`, latest message and unread count, whether all its
/// client messages are in the ledger, and reads of it that failed.
package struct ConversationMark: Sendable, Hashable {
    /// `last_message_at` as the list gave it (microseconds; 0 when absent).
    package var time: Int64
    /// The id of the latest message the list embedded, if any.
    package var latestID: String?
    package var unread: Int?
    /// Every client message it held at a detail read is in the ledger: new ones are found by id.
    package var detailed = false
    /// Reads of it that failed in a row, and when to try again.
    package var failures = 0
    package var retryAt: Double?

    package init(time: Int64, latestID: String? = nil, unread: Int? = nil, detailed: Bool = false, failures: Int = 0, retryAt: Double? = nil) {
        self.time = time
        self.latestID = latestID
        self.unread = unread
        self.detailed = detailed
        self.failures = failures
        self.retryAt = retryAt
    }
}

/// What one poll found, to record in one transaction.
package struct PollRecord: Sendable {
    /// The new global watermark (server time, microseconds).
    package var watermark: Int64?
    /// Conversations seen, with what was accepted of them.
    package var marks: [String: ConversationMark] = [:]
    /// New client messages.
    package var events: [Message] = []
    /// Client messages that were already there at the first start: kept in
    /// the ledger as skipped ("history") so a `≥` comparison never answers them.
    package var history: [Message] = []
    /// Client names of the conversations with events, for what a person reads (`conversation_name`).
    package var names: [String: String] = [:]

    package init(watermark: Int64? = nil, marks: [String: ConversationMark] = [:], events: [Message] = [], history: [Message] = [], names: [String: String] = [:]) {
        self.watermark = watermark
        self.marks = marks
        self.events = events
        self.history = history
        self.names = names
    }
}

extension StateStore {
    /// The global watermark, if a poll ever recorded one.
    public func watermark() throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT microseconds FROM watermark WHERE name = 'global'") }
    }

    package func conversationMarks(_ ids: [String]) throws -> [String: ConversationMark] {
        guard !ids.isEmpty else { return [:] }
        return try pool.read { db in
            var marks: [String: ConversationMark] = [:]
            // In slices: SQLite allows a bounded number of parameters.
            for slice in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min(ids.count, $0 + 500)]) }) {
                let rows = try Row.fetchAll(
                    db, sql: """
                        SELECT conversation_id, last_message_at, latest_id, unread, detailed, failures, retry_at FROM conversation_mark
                        WHERE conversation_id IN (\(slice.map { _ in "?" }.joined(separator: ",")))
                        """,
                    arguments: StatementArguments(slice))
                for row in rows {
                    marks[row["conversation_id"]] = ConversationMark(
                        time: row["last_message_at"], latestID: row["latest_id"], unread: row["unread"], detailed: row["detailed"],
                        failures: row["failures"], retryAt: row["retry_at"])
                }
            }
            return marks
        }
    }

    /// Ids among `ids` already in the ledger.
    package func knownMessageIDs(_ ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try pool.read { db in
            var known = Set<String>()
            for slice in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min(ids.count, $0 + 500)]) }) {
                known.formUnion(try String.fetchAll(
                    db, sql: "SELECT message_id FROM event WHERE message_id IN (\(slice.map { _ in "?" }.joined(separator: ",")))",
                    arguments: StatementArguments(slice)))
            }
            return known
        }
    }

    /// The newest client message of a conversation in the ledger (the poller's gap check).
    package func newestKnownMessage(in conversationID: String) throws -> (id: String, sentAt: Int64)? {
        try pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT message_id, sent_at FROM event WHERE conversation_id = ? ORDER BY sent_at DESC, message_id DESC LIMIT 1",
                arguments: [conversationID]
            ).map { ($0["message_id"], $0["sent_at"]) }
        }
    }

    /// Records a poll: the watermark, the conversations' marks and the new
    /// events, together, so a crash never loses an event nor moves a mark
    /// past one that was not recorded.
    package func record(_ poll: PollRecord, at: Date) throws {
        try pool.write { db in
            if let watermark = poll.watermark {
                try db.execute(
                    sql: """
                        INSERT INTO watermark (name, microseconds) VALUES ('global', ?)
                        ON CONFLICT(name) DO UPDATE SET microseconds = MAX(microseconds, excluded.microseconds)
                        """,
                    arguments: [watermark])
            }
            // The signature as last seen, not the greatest: a timestamp in the future or a list that
            // goes back must not pin a conversation to a value it will never show again.
            for (id, mark) in poll.marks {
                try db.cachedStatement(sql: """
                    INSERT INTO conversation_mark (conversation_id, last_message_at, latest_id, unread, detailed, failures, retry_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(conversation_id) DO UPDATE SET last_message_at = excluded.last_message_at, latest_id = excluded.latest_id,
                        unread = excluded.unread, detailed = excluded.detailed, failures = excluded.failures, retry_at = excluded.retry_at
                    """).execute(arguments: [id, mark.time, mark.latestID, mark.unread, mark.detailed, mark.failures, mark.retryAt])
            }
            try Self.noteClientNames(poll.names, db)
            for (message, state) in poll.events.map({ ($0, LedgerState.received) }) + poll.history.map({ ($0, LedgerState.skipped) }) {
                let json = message.wireJSON
                try db.cachedStatement(sql: """
                    INSERT INTO event (message_id, conversation_id, sent_at, message_json, state, reason, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO NOTHING
                    """).execute(arguments: [
                        message.id, message.conversationID ?? "", message.sentAt.microseconds, json, state.rawValue,
                        state == .skipped ? "history" : nil, at.timeIntervalSince1970,
                    ])
            }
        }
    }

    /// Events not yet handled, per conversation in `sent_at` order.
    public func openEvents() throws -> [LedgerEvent] {
        let decoder = JSONDecoder()
        return try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM event WHERE state IN ('received', 'handling', 'failed') ORDER BY conversation_id, sent_at, message_id"
            ).map { row in
                LedgerEvent(
                    message: try decoder.decode(Message.self, from: Data((row["message_json"] as String).utf8)),
                    conversationID: row["conversation_id"], state: LedgerState(rawValue: row["state"]) ?? .received, attempts: row["attempts"],
                    retryAt: (row["retry_at"] as Double?).map { Date(timeIntervalSince1970: $0) }, retried: (row["retried"] as Int?) == 1)
            }
        }
    }
}

extension StateStore {
    /// Marks the events of one handler run (one message, or a debounced
    /// burst) as being handled; returns the run's attempt number (1 for the first).
    package func beginHandling(_ messageIDs: [String]) async throws -> Int {
        try await writes.write { db in
            var attempt = 1
            for id in messageIDs {
                try db.cachedStatement(sql: "UPDATE event SET state = 'handling', attempts = attempts + 1 WHERE message_id = ?").execute(arguments: [id])
                attempt = max(attempt, try Int.fetchOne(db, sql: "SELECT attempts FROM event WHERE message_id = ?", arguments: [id]) ?? 1)
            }
            return attempt
        }
    }

    /// Gives back the try `beginHandling` counted for each of `messageIDs` (a local fault met them);
    /// they stay open, to run again.
    package func refundAttempts(_ messageIDs: [String]) async throws {
        try await writes.write { db in
            for id in messageIDs {
                try db.cachedStatement(sql: "UPDATE event SET attempts = MAX(attempts - 1, 0) WHERE message_id = ? AND state IN ('handling', 'failed', 'received')")
                    .execute(arguments: [id])
            }
        }
    }

    /// The handler completed: its `px.store` and `px.once` effects take
    /// effect with its events, in one transaction (docs/spec.md §4).
    package func completeEvents(_ messageIDs: [String], conversationID: String, effects: HandlerEffects, holder: String, at: Date) async throws {
        try await writes.write { db in
            try Self.apply(effects, db)
            // Its keys are free again in the same commit that makes its effects visible.
            try Self.releaseHolds(db, of: holder)
            for id in messageIDs {
                try db.cachedStatement(sql: "UPDATE event SET state = 'done', reason = NULL, retry_at = NULL WHERE message_id = ?")
                    .execute(arguments: [id])
            }
            try Self.journal(db, at: at, kind: .handled, conversationID: conversationID, detail: messageIDs.joined(separator: ", "))
        }
    }

    /// A scheduled run ended: when it ran (so nothing piles up), whether it
    /// is done for good (`at`), and, if it completed, its effects.
    /// Records a schedule's run with its effects; `failure` (the run raised, or its sends failed)
    /// is kept for `status` and journaled as `schedule failed`, named `name`.
    /// `triggered`: the schedule a `--trigger` ran (its own runs unchanged): its line in `status` says
    /// how this run went, so a fix tried with `--trigger` clears an earlier FAILED.
    package func recordScheduleRun(
        _ id: String?, named name: String, at: Date, done: Bool, effects: HandlerEffects?, failure: String?, triggered: String? = nil
    ) async throws {
        try await writes.write { db in
            if let effects { try Self.apply(effects, db) }
            if let failure { try Self.journal(db, at: at, kind: .scheduleFailed, conversationID: nil, detail: "\(name): \(failure)") }
            if let triggered {
                try db.execute(
                    sql: "UPDATE schedule SET last_failure = ? WHERE id = ?", arguments: [failure.map { "(run by --trigger) " + $0 }, triggered])
            }
            guard let id else { return }
            try db.execute(
                sql: """
                    INSERT INTO schedule (id, last_run, done, last_failure) VALUES (?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET last_run = excluded.last_run, done = excluded.done, last_failure = excluded.last_failure
                    """,
                arguments: [id, at.timeIntervalSince1970, done, failure])
        }
    }

    /// Notes when a schedule runs next, for `status`.
    package func noteNextRun(_ id: String, at next: Date?) async throws {
        try await writes.write { db in
            try db.execute(
                sql: "INSERT INTO schedule (id, next_run) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET next_run = excluded.next_run",
                arguments: [id, next?.timeIntervalSince1970])
        }
    }

    /// Schedules as the daemon last saw them: id, last run, next run.
    public func scheduleList() throws -> [ScheduleRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, last_run, next_run, last_failure FROM schedule ORDER BY id").map { row in
                ScheduleRecord(
                    id: row["id"], lastRun: (row["last_run"] as Double?).map { Date(timeIntervalSince1970: $0) },
                    nextRun: (row["next_run"] as Double?).map { Date(timeIntervalSince1970: $0) }, lastFailure: row["last_failure"])
            }
        }
    }

    /// When each schedule last ran, and whether it is done.
    package func scheduleRuns() throws -> [String: (lastRun: Date?, done: Bool)] {
        try pool.read { db in
            Dictionary(
                try Row.fetchAll(db, sql: "SELECT id, last_run, done FROM schedule").map { row in
                    (row["id"] as String, (lastRun: (row["last_run"] as Double?).map { Date(timeIntervalSince1970: $0) }, done: row["done"] as Bool))
                },
                uniquingKeysWith: { a, _ in a })
        }
    }

    private static func apply(_ effects: HandlerEffects, _ db: Database) throws {
        for (key, json) in effects.stored { try setValue(db, json, forKey: key) }
        for (key, period) in effects.once { try recordOnce(db, key: key, first: period.first, until: period.until) }
    }

    /// The handler failed: tried again after `retryAt`, or parked when `retryAt` is nil.
    /// - Parameter countAttempt: false when the handler was stopped by pause
    ///   or the send cap, which are not its fault and do not use up its tries.
    package func failEvents(
        _ messageIDs: [String], conversationID: String, reason: String, traceback: String, retryAt: Date?, countAttempt: Bool = true, at: Date
    ) async throws {
        try await writes.write { db in
            for id in messageIDs {
                try db.execute(
                    sql: """
                        UPDATE event SET state = ?, reason = ?, traceback = ?, retry_at = ?, attempts = attempts - ?
                        WHERE message_id = ?
                        """,
                    arguments: [retryAt == nil ? "parked" : "failed", reason, traceback, retryAt?.timeIntervalSince1970, countAttempt ? 0 : 1, id])
            }
            // Pause and the cap are journaled where they happen; a failing handler is journaled here.
            guard countAttempt else { return }
            // Relative: the journal's line has its own time, shown in the studio's zone.
            let next = retryAt.map { "tried again in \(DurationText.format(max(1, $0.timeIntervalSince(at).rounded())))" } ?? "parked"
            try Self.journal(
                db, at: at, kind: retryAt == nil ? .parked : .failed, conversationID: conversationID,
                detail: "\(messageIDs.joined(separator: ", ")): \(reason.prefix(200)) (\(next))")
        }
    }

    /// Events not handled, with why (too old, …), journaled.
    package func skipEvents(_ messageIDs: [String], conversationID: String, reason: String, detail: String, at: Date) async throws {
        try await writes.write { db in
            for id in messageIDs {
                try db.execute(sql: "UPDATE event SET state = 'skipped', reason = ? WHERE message_id = ?", arguments: [reason, id])
            }
            try Self.journal(db, at: at, kind: .skipped, conversationID: conversationID, detail: "\(messageIDs.joined(separator: ", ")): \(detail)")
        }
    }

    /// Whether `px.once(key)` is still inside its period (read only).
    package func onceActive(_ key: String, now: Date) throws -> Bool {
        try pool.read { db in
            (try Double.fetchOne(db, sql: "SELECT until FROM once WHERE key = ?", arguments: [key])).map { now.timeIntervalSince1970 < $0 } ?? false
        }
    }

    /// Events by state, newest first (for `status`).
    public func events(inState state: LedgerState, limit: Int) throws -> [(id: String, conversationID: String, reason: String?, traceback: String?)] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT message_id, conversation_id, reason, traceback FROM event WHERE state = ? ORDER BY sent_at DESC LIMIT ?",
                arguments: [state.rawValue, limit]
            ).map { (id: $0["message_id"], conversationID: $0["conversation_id"], reason: $0["reason"], traceback: $0["traceback"]) }
        }
    }
}

/// A schedule as the daemon last saw it.
public struct ScheduleRecord: Sendable, Hashable {
    public let id: String
    public let lastRun: Date?
    public let nextRun: Date?
    /// Why its last run failed (nil: it ran, or never ran).
    public let lastFailure: String?
}

extension StateStore {
    /// Queues parked events again (`pxscript retry`, the dashboard's Retry): each is open with no
    /// tries counted, so the next poll hands it to the script through the normal ledger, exactly once
    /// (its earlier sends are keyed by the event, so one already made is skipped). `ids` nil: all.
    /// - Returns: the events queued, and the ids asked for that are not parked here.
    public func retryParked(_ ids: [String]?, at: Date) async throws -> (queued: [(id: String, conversationID: String)], notParked: [String]) {
        try await writes.write { db in
            let parked = try Row.fetchAll(db, sql: "SELECT message_id, conversation_id FROM event WHERE state = 'parked' ORDER BY sent_at")
                .map { (id: $0["message_id"] as String, conversationID: $0["conversation_id"] as String) }
            // A conversation's parked messages go together: a burst parks as one run, and its sends are
            // keyed by its first message, so queuing part of it would answer it twice.
            let conversations = Set(parked.filter { ids?.contains($0.id) ?? true }.map(\.conversationID))
            let chosen = parked.filter { conversations.contains($0.conversationID) }
            for event in chosen {
                try db.execute(
                    sql: """
                        UPDATE event SET state = 'received', attempts = 0, retry_at = NULL, reason = NULL, traceback = NULL, retried = 1
                        WHERE message_id = ?
                        """,
                    arguments: [event.id])
                try Self.journal(db, at: at, kind: .retried, conversationID: event.conversationID, detail: "\(event.id): queued again")
            }
            let found = Set(chosen.map(\.id))
            return (chosen, (ids ?? []).filter { !found.contains($0) })
        }
    }

    /// The sends made under keys starting with `prefix` in `conversationID` (an event's, `e:MSG:`),
    /// with their normalised text: a retried event matches its sends by text.
    package func sends(in conversationID: String, keyPrefix prefix: String) throws -> [(key: String, content: String)] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT send_key, content FROM send WHERE conversation_id = ? AND substr(send_key, 1, ?) = ?",
                arguments: [conversationID, prefix.utf8.count, prefix]
            ).map { (key: $0["send_key"], content: SendIntent.normalise($0["content"])) }
        }
    }

    /// How many events are parked (for `status`, the dashboard and the reload notice).
    public func parkedCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE state = 'parked'") ?? 0 }
    }
}
