import HTTPTypes
import GRDB
import PixiesetModels

extension SandboxDatabase {
    /// Longest message text accepted (characters): the limit pxscript assumes of the studio.
    public static let maximumContentLength = SendMessageRequest.maximumContentLength
    /// Most attachments on one message.
    public static let maximumAttachments = 10

    /// `POST /conversation_messages`: the studio sends through the API.
    ///
    /// Everything is checked before anything is written, and the message,
    /// its attachment links and the conversation's times are one transaction.
    /// An API send does not mark the client's messages read (docs/sandbox.md).
    func send(_ request: SendMessageRequest, rendering: Rendering) async throws -> Message {
        try Self.checkContent(request.content, attachments: request.attachmentIDs.count)
        guard request.attachmentIDs.count <= Self.maximumAttachments else {
            throw SandboxError.validation("attachment_ids: at most \(Self.maximumAttachments) attachments per message")
        }
        guard Set(request.attachmentIDs).count == request.attachmentIDs.count else {
            throw SandboxError.validation("attachment_ids: the same attachment is listed twice")
        }
        return try await pool.write { db in
            let conversation = try ownConversation(db, id: request.conversationID)
            for id in request.attachmentIDs { try checkAttachable(db, id: id) }
            let row = try insertMessage(
                db, conversation: conversation, content: request.content, senderType: .photographer,
                senderID: studio.photographerID)
            for (position, id) in request.attachmentIDs.enumerated() {
                try db.execute(
                    sql: "UPDATE attachment SET message_id = ?, position = ? WHERE id = ?",
                    arguments: [row[0] as String, position, id])
            }
            return rendering.message(row, attachments: try attachments(db, messageID: row[0], rendering: rendering))
        }
    }

    /// A client writes in (`sandbox message`). An archived conversation
    /// becomes active again, as a new client message reopens it.
    public func clientWritesIn(conversationID: String, content: String) async throws -> Message {
        try checkSimulated(content)
        return try await pool.write { db in
            let conversation = try ownConversation(db, id: conversationID)
            let row = try insertMessage(
                db, conversation: conversation, content: content, senderType: .client, senderID: conversation["client_id"])
            try db.execute(sql: "UPDATE conversation SET status = 'active' WHERE id = ?", arguments: [conversationID])
            return Rendering(storageBaseURL: "").message(row, attachments: [])
        }
    }

    /// A new client starts a conversation (`sandbox inquiry`). A client
    /// already known by that email gets a new conversation, not a new record.
    public func inquiry(name: String, email: String, content: String, subject: String? = nil) async throws -> Message {
        try checkSimulated(content)
        return try await pool.write { db in
            let conversation = try ownConversation(db, id: try open(db, name: name, email: email, subject: subject))
            let row = try insertMessage(db, conversation: conversation, content: content, senderType: .client, senderID: conversation["client_id"])
            return Rendering(storageBaseURL: "").message(row, attachments: [])
        }
    }

    /// A conversation with a client (known by email, or new), without a message yet: a
    /// scenario's `s:conversation{ client = … }` (`pxscript test`). Returns its id.
    public func openConversation(name: String, email: String, subject: String? = nil) async throws -> String {
        try await pool.write { db in try open(db, name: name, email: email, subject: subject) }
    }

    private func open(_ db: Database, name: String, email: String, subject: String?) throws -> String {
        let name = name.trimmingWhitespace, email = email.trimmingWhitespace
        guard !name.isEmpty, name.count <= 200 else { throw SandboxError.validation("name: must be 1 to 200 characters") }
        guard email.contains("@"), email.count <= 320, !email.contains(where: \.isWhitespace) else {
            throw SandboxError.validation("email: not an email address")
        }
        if let subject, subject.count > 500 { throw SandboxError.validation("subject: at most 500 characters") }
        let now = clock.now().microseconds
        let clientID: String
        if let existing = try String.fetchOne(
            db, sql: "SELECT id FROM client WHERE studio_id = ? AND email = ? COLLATE NOCASE", arguments: [studio.id, email])
        {
            clientID = existing
        } else {
            clientID = ids.make(.client)
            try db.execute(
                sql: "INSERT INTO client (id, studio_id, name, email, avatar_color) VALUES (?, ?, ?, ?, ?)",
                arguments: [clientID, studio.id, name, email, Int(UInt(bitPattern: email.lowercased().hashValue) % 12)])
        }
        // In the shape the studio's other conversations have (quirk `username_ids` at seeding).
        let usernameStyle = try String.fetchOne(
            db, sql: "SELECT id FROM conversation WHERE studio_id = ? LIMIT 1", arguments: [studio.id]).map { !$0.hasPrefix("conv_") } ?? false
        let conversationID = ids.conversation(usernameStyle: usernameStyle)
        try db.execute(
            sql: """
                INSERT INTO conversation (id, studio_id, client_id, subject, status, created_at, updated_at, last_message_at)
                VALUES (?, ?, ?, ?, 'active', ?, ?, ?)
                """,
            arguments: [conversationID, studio.id, clientID, subject ?? "New inquiry from \(name)", now, now, now])
        return conversationID
    }

    /// The studio answers in the web app (`sandbox reply`): opening the
    /// conversation to reply marks the client's messages read.
    public func studioReplies(conversationID: String, content: String) async throws -> Message {
        try checkSimulated(content)
        return try await pool.write { db in
            let conversation = try ownConversation(db, id: conversationID)
            try markClientMessagesRead(db, conversationID: conversationID)
            let row = try insertMessage(
                db, conversation: conversation, content: content, senderType: .photographer, senderID: studio.photographerID)
            return Rendering(storageBaseURL: "").message(row, attachments: [])
        }
    }

    /// The studio reads a conversation in the web app (`sandbox read`).
    public func studioReads(conversationID: String) async throws -> ReadReceipt {
        try await pool.write { db in
            _ = try ownConversation(db, id: conversationID)
            let marked = try markClientMessagesRead(db, conversationID: conversationID)
            return ReadReceipt(conversationID: conversationID, markedRead: marked, unreadCount: 0)
        }
    }

    /// Inserts a message at the clock's time, never earlier than the
    /// conversation's last message, and moves the conversation's times.
    func insertMessage(
        _ db: Database, conversation: Row, content: String, senderType: SenderType, senderID: String
    ) throws -> Row {
        let conversationID: String = conversation["id"]
        let last: Int64 = conversation["last_message_at"]
        let sentAt = max(clock.now().microseconds, last + 1)
        let id = ids.make(.message)
        try db.execute(
            sql: "INSERT INTO message (id, conversation_id, content, sent_at, sender_type, sender_id) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [id, conversationID, content, sentAt, senderType.rawValue, senderID])
        try db.execute(
            sql: "UPDATE conversation SET last_message_at = ?, updated_at = ? WHERE id = ?",
            arguments: [sentAt, sentAt, conversationID])
        guard let row = try Row.fetchOne(db, sql: "SELECT \(Rendering.messageColumns) FROM message WHERE id = ?", arguments: [id]) else {
            throw SandboxError.internalError
        }
        return row
    }

    /// The one rule for message text, for API sends and simulated messages:
    /// at most 20,000 code points (as JSON Schema's maxLength counts, so
    /// docs/openapi.yaml and the sandbox agree), and not only white space
    /// unless attachments carry the message.
    static func checkContent(_ content: String, attachments: Int?) throws {
        guard content.unicodeScalars.count <= maximumContentLength else {
            throw SandboxError.validation("content: longer than \(maximumContentLength) characters")
        }
        guard !content.allSatisfy(\.isWhitespace) || (attachments ?? 0) > 0 else {
            throw SandboxError.validation(
                attachments == nil ? "content: must not be empty" : "content: must not be empty unless the message has attachments")
        }
    }

    /// Simulated messages have no attachments.
    private func checkSimulated(_ content: String) throws {
        try Self.checkContent(content, attachments: nil)
    }
}

/// What `sandbox read` did.
public struct ReadReceipt: Sendable, Hashable, Codable {
    public var conversationID: String
    public var markedRead: Int
    public var unreadCount: Int

    enum CodingKeys: String, CodingKey {
        case conversationID = "conversation_id"
        case markedRead = "marked_read"
        case unreadCount = "unread_count"
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
