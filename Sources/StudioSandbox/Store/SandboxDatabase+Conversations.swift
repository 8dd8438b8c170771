import HTTPTypes
import GRDB
import PixiesetModels

// Reads here are synchronous: in WAL mode a reader never waits for a writer,
// so a read holds its thread only for its own tens of microseconds, and the
// hop to GRDB's queue and back is saved.
// Statements are cached per connection: preparing the list query took longer
// than running it. Only fixed SQL fragments are interpolated (values are
// bound), so the cache holds a handful of statements.
extension SandboxDatabase {
    /// One page of the home studio's conversations, newest `last_message_at`
    /// first (or oldest-created first under the `unordered` quirk).
    func listConversations(_ query: ConversationQuery, rendering: Rendering, unordered: Bool) throws -> ConversationPage {
        try pool.read { db in
            var conditions = ["c.studio_id = ?"]
            var arguments: StatementArguments = [studio.id]
            if let clientID = query.clientID {
                conditions.append("c.client_id = ?")
                _ = arguments.append(contentsOf: [clientID])
            }
            switch query.selection {
            case .inbox: conditions.append("c.status = 'active'")
            case .archived: conditions.append("c.status = 'archived'")
            case .unread:
                conditions.append(
                    "EXISTS (SELECT 1 FROM message m WHERE m.conversation_id = c.id AND m.read_at IS NULL AND m.sender_type = 'client')")
            case .all: break
            }
            let filter = conditions.joined(separator: " AND ")
            let total = try countConversations(db, query, filter: filter, arguments: arguments)
            let order = unordered ? "c.created_at ASC, c.id ASC" : "c.last_message_at DESC, c.id DESC"
            let offset = (query.page - 1).multipliedReportingOverflow(by: query.pageSize)
            var rows: [Row] = []
            if !offset.overflow && offset.partialValue < total {
                rows = try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT \(Rendering.conversationColumns)
                        FROM conversation c JOIN client cl ON cl.id = c.client_id
                        WHERE \(filter) ORDER BY \(order) LIMIT ? OFFSET ?
                        """), arguments: arguments + [query.pageSize, offset.partialValue])
            }
            let conversations = try rows.map { row in
                let latest = query.includeMessages ? try latestMessage(db, conversationID: row[0], rendering: rendering) : nil
                return rendering.conversation(row, studio: nil, messages: query.includeMessages ? latest.map { [$0] } ?? [] : nil)
            }
            let lastPage = max(1, (total + query.pageSize - 1) / query.pageSize)
            return ConversationPage(
                data: conversations,
                meta: PageMeta(currentPage: query.page, perPage: query.pageSize, total: total, lastPage: lastPage))
        }
    }

    /// `meta.total` of a list: from the trigger-kept counts when only the
    /// status matters, by counting otherwise (a client's few conversations,
    /// or the unread ones through their partial index).
    private func countConversations(_ db: Database, _ query: ConversationQuery, filter: String, arguments: StatementArguments) throws -> Int {
        if query.clientID == nil {
            switch query.selection {
            case .all:
                return try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT CAST(TOTAL(n) AS INTEGER) FROM conversation_count WHERE studio_id = ?"), arguments: [studio.id]) ?? 0
            case .inbox, .archived:
                let status = query.selection == .inbox ? "active" : "archived"
                return try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT n FROM conversation_count WHERE studio_id = ? AND status = ?"), arguments: [studio.id, status]) ?? 0
            case .unread:
                return try Int.fetchOne(
                    db.cachedStatement(sql: """
                        SELECT COUNT(DISTINCT m.conversation_id)
                        FROM message m INDEXED BY message_unread CROSS JOIN conversation c ON c.id = m.conversation_id
                        WHERE c.studio_id = ? AND m.read_at IS NULL AND m.sender_type = 'client'
                        """), arguments: [studio.id]) ?? 0
            }
        }
        return try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM conversation c WHERE \(filter)"), arguments: arguments) ?? 0
    }

    /// One conversation with participants and, when asked, every message in
    /// `sent_at` order. Under `mark_read_on_get` the client's messages are
    /// marked read first, as the web app does when a conversation is opened.
    func conversation(id: String, includeMessages: Bool, markRead: Bool, rendering: Rendering) async throws -> Conversation {
        if markRead {
            try await pool.write { db in
                _ = try ownConversation(db, id: id)
                try markClientMessagesRead(db, conversationID: id)
            }
        }
        return try readConversation(id: id, includeMessages: includeMessages, rendering: rendering)
    }

    private func readConversation(id: String, includeMessages: Bool, rendering: Rendering) throws -> Conversation {
        try pool.read { db in
            // One query finds the conversation, checks its studio and reads it.
            guard ResourceID.conversation.isValid(id),
                  let row = try Row.fetchOne(
                      db.cachedStatement(sql: "SELECT \(Rendering.conversationColumns) FROM conversation c JOIN client cl ON cl.id = c.client_id WHERE c.id = ?"),
                      arguments: [id])
            else { throw SandboxError.conversationNotFound }
            guard (row[11] as String) == studio.id else { throw SandboxError.accessDenied }
            let messages = includeMessages ? try allMessages(db, conversationID: id, rendering: rendering) : nil
            return rendering.conversation(row, studio: studio, messages: messages)
        }
    }

    /// `GET /conversations/unread/count`: unread client messages over all of
    /// the studio's conversations (archived ones included, so the sum of the
    /// conversations' `unread_count` always equals it).
    /// The studio's first and last conversation ids (the quirks `get_404` and `future_timestamp` pick them).
    func conversationIDRange() throws -> (String?, String?) {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT MIN(id), MAX(id) FROM conversation WHERE studio_id = ?", arguments: [studio.id])
            return (row?[0], row?[1])
        }
    }

    func unreadCount() throws -> UnreadCount {
        try pool.read { db in
            let row = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT COUNT(*) AS messages, COUNT(DISTINCT m.conversation_id) AS conversations
                    -- Walk the small partial index of unread messages, not every conversation.
                    FROM message m INDEXED BY message_unread CROSS JOIN conversation c ON c.id = m.conversation_id
                    WHERE c.studio_id = ? AND m.read_at IS NULL AND m.sender_type = 'client'
                    """), arguments: [studio.id])
            return UnreadCount(unreadCount: row?["messages"] ?? 0, conversationsWithUnread: row?["conversations"] ?? 0)
        }
    }

    /// The conversation row, checked to exist and to belong to the home studio.
    func ownConversation(_ db: Database, id: String) throws -> Row {
        guard ResourceID.conversation.isValid(id),
              let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM conversation WHERE id = ?"), arguments: [id])
        else { throw SandboxError.conversationNotFound }
        guard (row["studio_id"] as String) == studio.id else { throw SandboxError.accessDenied }
        return row
    }

    func allMessages(_ db: Database, conversationID: String, rendering: Rendering) throws -> [Message] {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(Rendering.messageColumns) FROM message WHERE conversation_id = ? ORDER BY sent_at, seq"), arguments: [conversationID])
        let attachments = try attachmentsByMessage(db, conversationID: conversationID, rendering: rendering)
        return rows.map { rendering.message($0, attachments: attachments[$0[0] as String] ?? []) }
    }

    func latestMessage(_ db: Database, conversationID: String, rendering: Rendering) throws -> Message? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(Rendering.messageColumns) FROM message WHERE conversation_id = ? ORDER BY sent_at DESC, seq DESC LIMIT 1"), arguments: [conversationID])
        else { return nil }
        return rendering.message(row, attachments: try attachments(db, messageID: row[0], rendering: rendering))
    }

    func attachments(_ db: Database, messageID: String, rendering: Rendering) throws -> [Attachment] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(Rendering.attachmentColumns) FROM attachment WHERE message_id = ? ORDER BY position"), arguments: [messageID]
        ).map(rendering.attachment)
    }

    private func attachmentsByMessage(_ db: Database, conversationID: String, rendering: Rendering) throws -> [String: [Attachment]] {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT a.id, a.filename, a.file_size, a.content_type, a.message_id AS message_id FROM attachment a
                JOIN message m ON m.id = a.message_id WHERE m.conversation_id = ? ORDER BY a.position
                """), arguments: [conversationID])
        return Dictionary(grouping: rows, by: { $0["message_id"] as String }).mapValues { $0.map(rendering.attachment) }
    }

    @discardableResult
    func markClientMessagesRead(_ db: Database, conversationID: String) throws -> Int {
        try db.execute(
            sql: "UPDATE message SET read_at = ? WHERE conversation_id = ? AND sender_type = 'client' AND read_at IS NULL",
            arguments: [clock.now().microseconds, conversationID])
        return db.changesCount
    }
}
