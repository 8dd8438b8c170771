import Foundation
import GRDB

extension SandboxDatabase {
    /// Counts of what the database holds, for checks that nothing was
    /// half-written and for `sandbox serve`'s summary.
    public struct Counts: Sendable, Hashable {
        public var clients: Int
        public var conversations: Int
        public var messages: Int
        public var attachments: Int
    }

    public func counts() throws -> Counts {
        try pool.read { db in
            Counts(
                clients: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM client") ?? 0,
                conversations: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM conversation") ?? 0,
                messages: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0,
                attachments: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attachment") ?? 0)
        }
    }

    /// How many messages the studio holds: a test studio's "anything new?" for a virtual clock.
    public func messageCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0 }
    }

    /// A message as a scenario checks it (`pxscript test`): who wrote it, when, with which files.
    public struct MessageRecord: Sendable {
        public let id: String
        public let conversationID: String
        public let clientName: String
        public let content: String
        public let senderType: String
        /// Seconds since 1970.
        public let sentAt: Double
        public let attachmentNames: [String]
    }

    /// The studio's messages written after message number `seq` (0: all), in the order they were written,
    /// with the number to ask from next time.
    public func studioMessages(after seq: Int64) throws -> (records: [MessageRecord], last: Int64) {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT m.seq, m.id, m.conversation_id, m.content, m.sender_type, m.sent_at, COALESCE(cl.name, '') AS client_name
                FROM message m JOIN conversation c ON c.id = m.conversation_id LEFT JOIN client cl ON cl.id = c.client_id
                WHERE m.seq > ? AND m.sender_type != 'client' ORDER BY m.seq
                """, arguments: [seq])
            let records = try rows.map { row in
                MessageRecord(
                    id: row["id"], conversationID: row["conversation_id"], clientName: row["client_name"], content: row["content"],
                    senderType: row["sender_type"], sentAt: Double(row["sent_at"] as Int64) / 1_000_000,
                    attachmentNames: try String.fetchAll(
                        db, sql: "SELECT filename FROM attachment WHERE message_id = ? ORDER BY position", arguments: [row["id"] as String]))
            }
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM message") ?? seq
            return (records, max(last, seq))
        }
    }

    /// IDs of the conversations of a studio (`st_HOME`, `st_OTHER`), oldest first.
    public func conversationIDs(ofStudio studioID: String) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM conversation WHERE studio_id = ? ORDER BY created_at, id", arguments: [studioID])
        }
    }

    /// Every message of the database as (id, conversation, content, sender type), in insertion order.
    public func allMessages() throws -> [(id: String, conversationID: String, content: String, senderType: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, conversation_id, content, sender_type FROM message ORDER BY seq").map {
                (id: $0["id"], conversationID: $0["conversation_id"], content: $0["content"], senderType: $0["sender_type"])
            }
        }
    }

    /// The stored bytes of an attachment, or `nil` while it is not uploaded.
    public func uploadedBytes(of attachmentID: String) throws -> Data? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM attachment WHERE id = ? AND uploaded_at IS NOT NULL", arguments: [attachmentID])
        }
    }

    /// The studio the sandbox's cookie logs into.
    public func homeStudioID() throws -> String { studio.id }

    /// When a message was sent, in Unix seconds (for latency measurements).
    public func sentAt(ofMessage id: String) throws -> Double? {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT sent_at FROM message WHERE id = ?", arguments: [id]).map { Double($0) / 1_000_000 }
        }
    }
}
