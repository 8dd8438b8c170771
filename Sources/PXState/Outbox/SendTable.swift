import Foundation
import GRDB
import PixiesetKit
import PixiesetModels

/// Every SQL statement of the send tables (`send`, `daily_sends`, and the
/// outbox's fold marker), with typed rows: the outbox, its fold and
/// `status` read and write them only through here. (The schema itself is in
/// `StateStore+Migrations.swift`.)
package enum SendTable {
    /// A send settled as sent.
    package struct Sent {
        package let messageID: String
        /// The message as the API returned it.
        package let json: String
        package let at: Date
    }

    /// A send as the file has it, for the outbox's "already sent?" check.
    package struct Filed {
        package let id: Int64
        package let pending: Bool
        /// Seconds since 1970 (0 while pending).
        package let sentAt: Double
        package let json: String?
    }

    /// Inserts `entry` (as sent when `sent`); false when a row with its id was there.
    package static func insert(_ entry: OutboxEntry, sent: Sent?, _ db: Database) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO send (id, conversation_id, send_key, explicit_key, content, attachment_ids, attachment_names,
                                        state, attempted_at, day, message_id, message_json, sent_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                entry.id, entry.intent.conversationID, entry.key, entry.explicitKey, entry.intent.content,
                entry.intent.attachmentIDs.wireJSON, entry.intent.attachmentNames.wireJSON, sent == nil ? "pending" : "sent",
                entry.attemptedAt.timeIntervalSince1970, entry.day, sent?.messageID, sent?.json, sent?.at.timeIntervalSince1970,
            ])
        return db.changesCount > 0
    }

    /// Marks pending send `id` as sent; false when it was not pending.
    package static func markSent(_ id: Int64, _ sent: Sent, _ db: Database) throws -> Bool {
        try db.cachedStatement(sql: "UPDATE send SET state = 'sent', message_id = ?, message_json = ?, sent_at = ? WHERE id = ? AND state = 'pending'")
            .execute(arguments: [sent.messageID, sent.json, sent.at.timeIntervalSince1970, id])
        return db.changesCount > 0
    }

    /// Removes pending send `id` (abandoned); false when it was not pending.
    package static func deletePending(_ id: Int64, _ db: Database) throws -> Bool {
        try db.cachedStatement(sql: "DELETE FROM send WHERE id = ? AND state = 'pending'").execute(arguments: [id])
        return db.changesCount > 0
    }

    /// The id the next send gets.
    package static func nextID(_ db: Database) throws -> Int64 {
        (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM send") ?? 0) + 1
    }

    /// Sends pending (recorded, not known to have happened), oldest first.
    package static func pending(_ db: Database) throws -> [OutboxEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM send WHERE state = 'pending' ORDER BY id").map { row in
            OutboxEntry(
                id: row["id"],
                intent: SendIntent(
                    conversationID: row["conversation_id"], content: row["content"],
                    attachmentIDs: strings(row["attachment_ids"]), attachmentNames: strings(row["attachment_names"])),
                key: row["send_key"], explicitKey: row["explicit_key"],
                attemptedAt: Date(timeIntervalSince1970: row["attempted_at"]), day: row["day"])
        }
    }

    /// A conversation's sends by key, oldest first, with ids below `before`.
    package static func filed(in conversationID: String, before: Int64, _ db: Database) throws -> [String: [Filed]] {
        var byKey: [String: [Filed]] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT send_key, state, sent_at, message_json, id FROM send WHERE conversation_id = ? AND id < ? ORDER BY id"),
            arguments: [conversationID, before])
        while let row = try rows.next() {
            byKey[row[0], default: []].append(Filed(id: row[4], pending: row[1] == "pending", sentAt: row[2] ?? 0, json: row[3]))
        }
        return byKey
    }

    /// The texts of the sends to a conversation attempted since `since` (pending or sent).
    package static func contents(in conversationID: String, since: Date, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT content FROM send WHERE conversation_id = ? AND attempted_at >= ?", arguments: [conversationID, since.timeIntervalSince1970])
    }

    /// Ids of the conversation's messages already matched to sends.
    package static func matchedMessageIDs(in conversationID: String, _ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(
            db.cachedStatement(sql: "SELECT message_id FROM send WHERE conversation_id = ? AND message_id IS NOT NULL"), arguments: [conversationID]))
    }

    /// A send as the record of automated messages copies it from another state file.
    package struct Copied {
        package let id: Int64
        package let pending: Bool
        package let messageID: String?
        package let conversationID: String
        package let sentAt: Double?
    }

    /// The sends from id `start` on, oldest first (none when the file has no send table yet).
    package static func sends(from start: Int64, _ db: Database) throws -> [Copied] {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'send')") == true else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT id, state, message_id, conversation_id, sent_at FROM send WHERE id >= ? ORDER BY id", arguments: [start]
        ).map { row in
            Copied(id: row["id"], pending: (row["state"] as String) == "pending", messageID: row["message_id"], conversationID: row["conversation_id"],
                   sentAt: row["sent_at"])
        }
    }

    /// Sends counted for `day`.
    package static func count(day: String, _ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count FROM daily_sends WHERE day = ?"), arguments: [day]) ?? 0
    }

    /// Adds `change` (at least down to 0) to the sends counted for `day`.
    package static func addToCount(day: String, _ change: Int, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO daily_sends (day, count) VALUES (?, MAX(?, 0)) ON CONFLICT(day) DO UPDATE SET count = MAX(count + ?, 0)
            """).execute(arguments: [day, change, change])
    }

    /// How much of which outbox log the file holds (`Outbox.mark`).
    package static func foldMarker(_ db: Database) throws -> (generation: String, end: Int)? {
        guard let parts = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'outbox_folded'")?.split(separator: " "),
              parts.count == 2, let end = Int(parts[1])
        else { return nil }
        return (String(parts[0]), end)
    }

    package static func setFoldMarker(generation: String, end: Int, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO setting (name, value) VALUES ('outbox_folded', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")
            .execute(arguments: ["\(generation) \(end)"])
    }

    /// A JSON list of strings as stored (empty when it does not read).
    package static func strings(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
