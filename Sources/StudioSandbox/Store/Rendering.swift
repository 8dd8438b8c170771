import GRDB
import PixiesetModels

/// What turns rows into wire models: the timestamp style and where
/// attachment downloads are served.
struct Rendering: Sendable {
    var timestamps: TimestampStyle = .canonical
    /// E.g. `http://127.0.0.1:7878`; attachment URLs hang below it.
    var storageBaseURL: String

    // Rows are read by position (name lookups were an eighth of a list
    // request); the column lists below fix the positions.

    /// `id, filename, file_size, content_type` (then anything).
    static let attachmentColumns = "id, filename, file_size, content_type"

    func attachment(_ row: Row) -> Attachment {
        let id: String = row[0]
        let filename: String = row[1]
        return Attachment(
            id: id, filename: filename, fileSize: row[2], contentType: row[3],
            url: Rendering.downloadURL(base: storageBaseURL, id: id, filename: filename))
    }

    /// Download URL of an attachment. The file name is percent-encoded so
    /// any name the client chose stays one path segment.
    static func downloadURL(base: String, id: String, filename: String) -> String {
        "\(base)/storage/attachments/\(id)/\(PercentEncoding.segment(filename))"
    }

    /// The columns `message(_:attachments:)` reads, in its order.
    static let messageColumns = "id, conversation_id, content, sent_at, sender_type, sender_id, read_at"

    func message(_ row: Row, attachments: [Attachment]) -> Message {
        Message(
            id: row[0], conversationID: row[1], content: row[2], sentAt: timestamps.make(row[3]),
            senderType: SenderType(rawValue: row[4]), senderID: row[5], readAt: (row[6] as Int64?).map(timestamps.make),
            attachments: attachments)
    }

    /// The columns `conversation(_:studio:messages:)` reads: a conversation
    /// (alias `c`) joined with its client (`cl`), its unread count, and its
    /// studio (position 11, for the access check).
    static let conversationColumns = """
        c.id, c.client_id, c.subject, c.status, c.created_at, c.updated_at, c.last_message_at,
        cl.name, cl.email, cl.avatar_color,
        (SELECT COUNT(*) FROM message m
          WHERE m.conversation_id = c.id AND m.read_at IS NULL AND m.sender_type = 'client'),
        c.studio_id
        """

    func conversation(_ row: Row, studio: StudioRecord?, messages: [Message]?) -> Conversation {
        let clientID: String = row[1]
        let client = Participant(id: clientID, name: row[7], email: row[8], type: .client, avatarColor: row[9])
        var participants = [client]
        if let studio { participants.append(studio.participant) }
        return Conversation(
            id: row[0], clientID: clientID, subject: row[2], createdAt: timestamps.make(row[4]),
            updatedAt: timestamps.make(row[5]), lastMessageAt: timestamps.make(row[6]),
            status: ConversationStatus(rawValue: row[3]), unreadCount: row[10], participants: participants,
            messages: messages)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
