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

/// What a handler or scheduled run leaves to commit when it completes (`KeptValues.apply`).
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

/// The ledger of client messages (docs/spec.md §6 "Durable state"): what the
/// poll found (`watermark`, `conversation_mark`, `event`), where each event's
/// handling is, and the client names seen (`conversation_name`). Handling is
/// in `Ledger+Handling.swift`.
public struct Ledger: Sendable {
    let pool: DatabasePool
    let writes: GroupCommit

    private typealias Events = EventRow.Columns
    private static let openStates = [LedgerState.received, .handling, .failed].map(\.rawValue)

    /// The global watermark, if a poll ever recorded one.
    public func watermark() throws -> Int64? {
        try pool.read { db in try WatermarkRow.fetchOne(db, key: "global")?.microseconds }
    }

    package func conversationMarks(_ ids: [String]) throws -> [String: ConversationMark] {
        guard !ids.isEmpty else { return [:] }
        return try pool.read { db in
            var marks: [String: ConversationMark] = [:]
            // In slices: SQLite allows a bounded number of parameters.
            for slice in QueryPieces.slices(ids) {
                for row in try ConversationMarkRow.fetchAll(db, keys: slice) {
                    marks[row.conversationID] = ConversationMark(
                        time: row.lastMessageAt, latestID: row.latestID, unread: row.unread, detailed: row.detailed, failures: row.failures,
                        retryAt: row.retryAt)
                }
            }
            return marks
        }
    }

    /// The next `limit` conversations, after `cursor` by id (from the first again past the last), read
    /// in full before and active since `since` (microseconds): the poller's slow rotation.
    package func rotation(activeSince since: Int64, after cursor: String?, limit: Int) throws -> [(String, ConversationMark)] {
        typealias Marks = ConversationMarkRow.Columns
        return try pool.read { db in
            let active = ConversationMarkRow.filter(Marks.detailed == true && Marks.failures == 0 && Marks.lastMessageAt >= since)
                .order(Marks.conversationID)
            var rows = try active.filter(Marks.conversationID > (cursor ?? "")).limit(limit).fetchAll(db)
            if rows.count < limit, cursor != nil {
                let taken = Set(rows.map(\.conversationID))
                rows += try active.limit(limit).fetchAll(db).filter { !taken.contains($0.conversationID) }.prefix(limit - rows.count)
            }
            return rows.map { row in
                (row.conversationID, ConversationMark(
                    time: row.lastMessageAt, latestID: row.latestID, unread: row.unread, detailed: row.detailed, failures: row.failures,
                    retryAt: row.retryAt))
            }
        }
    }

    /// Ids among `ids` already in the ledger.
    package func knownMessageIDs(_ ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try pool.read { db in
            var known = Set<String>()
            for slice in QueryPieces.slices(ids) {
                known.formUnion(try EventRow.filter(keys: slice).select(Events.messageID, as: String.self).fetchAll(db))
            }
            return known
        }
    }

    /// The newest client message of a conversation in the ledger (the poller's gap check).
    package func newestKnownMessage(in conversationID: String) throws -> (id: String, sentAt: Int64)? {
        try pool.read { db in
            try EventRow.filter(Events.conversationID == conversationID).order(Events.sentAt.desc, Events.messageID.desc).fetchOne(db)
                .map { ($0.messageID, $0.sentAt) }
        }
    }

    /// Records a poll: the watermark, the conversations' marks and the new
    /// events, together, so a crash never loses an event nor moves a mark
    /// past one that was not recorded.
    package func record(_ poll: PollRecord, at: Date) throws {
        try pool.write { db in
            if let watermark = poll.watermark {
                // Never back: a later poll that read less keeps the furthest point.
                let name = WatermarkRow.Columns.name, microseconds = WatermarkRow.Columns.microseconds
                try db.cachedStatement(literal: """
                    INSERT INTO \(WatermarkRow.self) (\(name), \(microseconds)) VALUES ('global', \(watermark))
                    ON CONFLICT(\(name)) DO UPDATE SET \(microseconds) = MAX(\(microseconds), excluded.\(microseconds))
                    """).execute()
            }
            // The signature as last seen, not the greatest: a timestamp in the future or a list that
            // goes back must not pin a conversation to a value it will never show again.
            for (id, mark) in poll.marks {
                try ConversationMarkRow(
                    conversationID: id, lastMessageAt: mark.time, latestID: mark.latestID, unread: mark.unread, detailed: mark.detailed,
                    failures: mark.failures, retryAt: mark.retryAt
                ).insert(db, onConflict: .replace)
            }
            try Self.noteClientNames(poll.names, db)
            for (message, state) in poll.events.map({ ($0, LedgerState.received) }) + poll.history.map({ ($0, LedgerState.skipped) }) {
                // An event already in the ledger keeps its state: a poll that finds it again changes nothing.
                try EventRow(
                    messageID: message.id, conversationID: message.conversationID ?? "", sentAt: message.sentAt.microseconds,
                    messageJSON: message.wireJSON, state: state.rawValue, attempts: 0, reason: state == .skipped ? "history" : nil,
                    receivedAt: at, retried: false
                ).insert(db, onConflict: .ignore)
            }
        }
    }

    /// Events not yet handled, per conversation in `sent_at` order.
    public func openEvents() throws -> [LedgerEvent] {
        let decoder = JSONDecoder()
        return try pool.read { db in
            try EventRow.filter(Self.openStates.contains(Events.state)).order(Events.conversationID, Events.sentAt, Events.messageID)
                .fetchAll(db).map { row in
                    LedgerEvent(
                        message: try decoder.decode(Message.self, from: Data(row.messageJSON.utf8)), conversationID: row.conversationID,
                        state: LedgerState(rawValue: row.state) ?? .received, attempts: row.attempts, retryAt: row.retryAt, retried: row.retried)
                }
        }
    }
}
