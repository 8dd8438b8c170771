import Foundation
import GRDB
import PixiesetKit
import PixiesetModels

/// The send tables (`send`, `daily_sends`, and the outbox's fold marker),
/// through their records (`SendRow`, `DailySendsRow`): the outbox, its fold and
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
        let row = SendRow(
            id: entry.id, conversationID: entry.intent.conversationID, sendKey: entry.key, explicitKey: entry.explicitKey,
            content: entry.intent.content, attachmentIDs: entry.intent.attachmentIDs.wireJSON,
            attachmentNames: entry.intent.attachmentNames.wireJSON, state: sent == nil ? "pending" : "sent", attemptedAt: entry.attemptedAt,
            day: entry.day, messageID: sent?.messageID, messageJSON: sent?.json, sentAt: sent?.at)
        try row.insert(db, onConflict: .ignore)
        return db.changesCount > 0
    }

    // The statements a fold runs for every send are cached ones, written with the record's
    // table and columns (GRDB's SQL interpolation): the query interface compiles each anew.
    private typealias Columns = SendRow.Columns

    /// Marks pending send `id` as sent; false when it was not pending.
    package static func markSent(_ id: Int64, _ sent: Sent, _ db: Database) throws -> Bool {
        try db.cachedStatement(literal: """
            UPDATE \(SendRow.self) SET \(Columns.state) = 'sent', \(Columns.messageID) = \(sent.messageID), \(Columns.messageJSON) = \(sent.json),
                \(Columns.sentAt) = \(sent.at.timeIntervalSince1970)
            WHERE \(Columns.id) = \(id) AND \(Columns.state) = 'pending'
            """).execute()
        return db.changesCount > 0
    }

    /// Removes pending send `id` (abandoned); false when it was not pending.
    package static func deletePending(_ id: Int64, _ db: Database) throws -> Bool {
        try db.cachedStatement(literal: "DELETE FROM \(SendRow.self) WHERE \(Columns.id) = \(id) AND \(Columns.state) = 'pending'").execute()
        return db.changesCount > 0
    }

    /// The id the next send gets.
    package static func nextID(_ db: Database) throws -> Int64 {
        (try SendRow.select(max(SendRow.Columns.id), as: Int64.self).fetchOne(db) ?? 0) + 1
    }

    /// Sends pending (recorded, not known to have happened), oldest first.
    package static func pending(_ db: Database) throws -> [OutboxEntry] {
        try SendRow.filter(SendRow.Columns.state == "pending").order(SendRow.Columns.id).fetchAll(db).map { row in
            OutboxEntry(
                id: row.id,
                intent: SendIntent(
                    conversationID: row.conversationID, content: row.content,
                    attachmentIDs: strings(row.attachmentIDs), attachmentNames: strings(row.attachmentNames)),
                key: row.sendKey, explicitKey: row.explicitKey, attemptedAt: row.attemptedAt, day: row.day)
        }
    }

    /// A conversation's sends by key, oldest first, with ids below `before`.
    package static func filed(in conversationID: String, before: Int64, _ db: Database) throws -> [String: [Filed]] {
        var byKey: [String: [Filed]] = [:]
        // Once per conversation a lease sends to: five columns, not the texts.
        let rows = try Row.fetchCursor(db.cachedStatement(literal: """
            SELECT \(Columns.sendKey), \(Columns.state), \(Columns.sentAt), \(Columns.messageJSON), \(Columns.id) FROM \(SendRow.self)
            WHERE \(Columns.conversationID) = \(conversationID) AND \(Columns.id) < \(before) ORDER BY \(Columns.id)
            """))
        while let row = try rows.next() {
            let state: String = row[Columns.state]
            byKey[row[Columns.sendKey], default: []].append(
                Filed(id: row[Columns.id], pending: state == "pending", sentAt: row[Columns.sentAt] ?? 0, json: row[Columns.messageJSON]))
        }
        return byKey
    }

    /// The texts of the sends to a conversation attempted since `since` (pending or sent).
    package static func contents(in conversationID: String, since: Date, _ db: Database) throws -> [String] {
        try SendRow.filter(SendRow.Columns.conversationID == conversationID && SendRow.Columns.attemptedAt >= since.timeIntervalSince1970)
            .select(SendRow.Columns.content, as: String.self).fetchAll(db)
    }

    /// Ids of the conversation's messages already matched to sends.
    package static func matchedMessageIDs(in conversationID: String, _ db: Database) throws -> Set<String> {
        Set(try SendRow.filter(SendRow.Columns.conversationID == conversationID && SendRow.Columns.messageID != nil)
            .select(SendRow.Columns.messageID, as: String.self).fetchAll(db))
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
        guard try db.tableExists(SendRow.databaseTableName) else { return [] }
        return try SendRow.filter(SendRow.Columns.id >= start).order(SendRow.Columns.id).fetchAll(db).map { row in
            Copied(id: row.id, pending: row.state == "pending", messageID: row.messageID, conversationID: row.conversationID,
                   sentAt: row.sentAt?.timeIntervalSince1970)
        }
    }

    /// Sends counted for `day`.
    package static func count(day: String, _ db: Database) throws -> Int {
        let count = DailySendsRow.Columns.count
        return try Int.fetchOne(db.cachedStatement(
            literal: "SELECT \(count) FROM \(DailySendsRow.self) WHERE \(DailySendsRow.Columns.day) = \(day)")) ?? 0
    }

    /// Adds `change` (at least down to 0) to the sends counted for `day`.
    package static func addToCount(day: String, _ change: Int, _ db: Database) throws {
        let column = DailySendsRow.Columns.day, count = DailySendsRow.Columns.count
        try db.cachedStatement(literal: """
            INSERT INTO \(DailySendsRow.self) (\(column), \(count)) VALUES (\(day), MAX(\(change), 0))
            ON CONFLICT(\(column)) DO UPDATE SET \(count) = MAX(\(count) + \(change), 0)
            """).execute()
    }

    /// How much of which outbox log the file holds (`Outbox.mark`).
    package static func foldMarker(_ db: Database) throws -> (generation: String, end: Int)? {
        guard let parts = try Settings.value(db, named: "outbox_folded")?.split(separator: " "), parts.count == 2, let end = Int(parts[1])
        else { return nil }
        return (String(parts[0]), end)
    }

    package static func setFoldMarker(generation: String, end: Int, _ db: Database) throws {
        try Settings.set(db, named: "outbox_folded", "\(generation) \(end)")
    }

    /// A JSON list of strings as stored (empty when it does not read).
    package static func strings(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
