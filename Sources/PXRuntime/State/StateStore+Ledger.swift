import Foundation
import GRDB
import PixiesetModels

/// A client message recorded for handling (SPEC §6 "Durable state").
public struct LedgerEvent: Sendable, Hashable {
    public let message: Message
    public let conversationID: String
    public let state: String
}

/// What one poll found, to record in one transaction.
struct PollRecord: Sendable {
    /// The new global watermark (server time, microseconds).
    var watermark: Int64?
    /// Conversations seen, with their `last_message_at`.
    var marks: [String: Int64] = [:]
    /// New client messages.
    var events: [Message] = []
    /// Client messages that were already there at the first start: kept in
    /// the ledger as skipped ("history") so a `≥` comparison never answers them.
    var history: [Message] = []
}

extension StateStore {
    /// The global watermark, if a poll ever recorded one.
    public func watermark() throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT microseconds FROM watermark WHERE name = 'global'") }
    }

    func conversationMarks(_ ids: [String]) throws -> [String: Int64] {
        guard !ids.isEmpty else { return [:] }
        return try pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT conversation_id, last_message_at FROM conversation_mark WHERE conversation_id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(ids))
            return Dictionary(rows.map { ($0["conversation_id"], $0["last_message_at"]) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Ids among `ids` already in the ledger.
    func knownMessageIDs(_ ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try pool.read { db in
            Set(try String.fetchAll(
                db, sql: "SELECT message_id FROM event WHERE message_id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(ids)))
        }
    }

    /// Records a poll: the watermark, the conversations' marks and the new
    /// events, together, so a crash never loses an event nor moves a mark
    /// past one that was not recorded.
    func record(_ poll: PollRecord, at: Date) throws {
        try pool.write { db in
            if let watermark = poll.watermark {
                try db.execute(
                    sql: """
                        INSERT INTO watermark (name, microseconds) VALUES ('global', ?)
                        ON CONFLICT(name) DO UPDATE SET microseconds = MAX(microseconds, excluded.microseconds)
                        """,
                    arguments: [watermark])
            }
            for (id, mark) in poll.marks {
                try db.cachedStatement(sql: """
                    INSERT INTO conversation_mark (conversation_id, last_message_at) VALUES (?, ?)
                    ON CONFLICT(conversation_id) DO UPDATE SET last_message_at = MAX(last_message_at, excluded.last_message_at)
                    """).execute(arguments: [id, mark])
            }
            for (message, state) in poll.events.map({ ($0, "received") }) + poll.history.map({ ($0, "skipped") }) {
                let json = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
                try db.cachedStatement(sql: """
                    INSERT INTO event (message_id, conversation_id, sent_at, message_json, state, reason, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO NOTHING
                    """).execute(arguments: [
                        message.id, message.conversationID ?? "", message.sentAt.microseconds, json, state,
                        state == "skipped" ? "history" : nil, at.timeIntervalSince1970,
                    ])
            }
        }
    }

    /// Events not yet handled, per conversation in `sent_at` order.
    public func openEvents() throws -> [LedgerEvent] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM event WHERE state IN ('received', 'handling', 'failed') ORDER BY conversation_id, sent_at, message_id"
            ).map { row in
                LedgerEvent(
                    message: try JSONDecoder().decode(Message.self, from: Data((row["message_json"] as String).utf8)),
                    conversationID: row["conversation_id"], state: row["state"])
            }
        }
    }
}
