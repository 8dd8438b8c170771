import Foundation
import GRDB
import PixiesetModels

/// One message pxscript sent, as results count it.
public struct SentRecord: Sendable, Hashable {
    public let conversationID: String
    public let sentAt: Date
    /// The script line that sent it (`followup.lua:12`), when recorded.
    public let position: String?
    /// The explicit `key =` it was sent under, if any.
    public let explicitKey: String?
}

extension StateStore {
    /// Records the script line a message was sent from.
    package func noteOrigin(of messageID: String, position: String) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO send_origin (message_id, position) VALUES (?, ?) ON CONFLICT(message_id) DO NOTHING",
                arguments: [messageID, position])
        }
    }

    /// The script lines that sent these messages, by message id (those recorded).
    public func origins(of messageIDs: [String]) throws -> [String: String] {
        guard !messageIDs.isEmpty else { return [:] }
        return try pool.read { db in
            let marks = Array(repeating: "?", count: messageIDs.count).joined(separator: ", ")
            return Dictionary(
                try Row.fetchAll(
                    db, sql: "SELECT message_id, position FROM send_origin WHERE message_id IN (\(marks))",
                    arguments: StatementArguments(messageIDs)
                ).map { ($0["message_id"], $0["position"]) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The messages sent since `since`, oldest first.
    public func sentRecords(since: Date) throws -> [SentRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.conversation_id, s.sent_at, s.send_key, s.explicit_key, o.position FROM send s
                    LEFT JOIN send_origin o ON o.message_id = s.message_id
                    WHERE s.state = 'sent' AND s.sent_at >= ? ORDER BY s.sent_at
                    """,
                arguments: [since.timeIntervalSince1970]
            ).map { row in
                let key: String = row["send_key"]
                let explicit: Bool = row["explicit_key"]
                return SentRecord(
                    conversationID: row["conversation_id"], sentAt: Date(timeIntervalSince1970: row["sent_at"]), position: row["position"],
                    explicitKey: explicit ? String(key.hasPrefix("k:") ? key.dropFirst(2) : key[...]) : nil)
            }
        }
    }

    /// When clients wrote (the messages `watch` recorded), by conversation, since `since`.
    public func clientMessageTimes(since: Date) throws -> [String: [Date]] {
        try pool.read { db in
            var times: [String: [Date]] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT conversation_id, sent_at FROM event WHERE sent_at >= ? ORDER BY sent_at",
                arguments: [Int64(saturating: since.timeIntervalSince1970 * 1_000_000)])
            while let row = try rows.next() {
                let micros: Int64 = row["sent_at"]
                times[row["conversation_id"], default: []].append(Date(timeIntervalSince1970: Double(micros) / 1_000_000))
            }
            return times
        }
    }
}
