import GRDB
import PixiesetModels

/// What turns rows into wire models: the timestamp style and where
/// attachment downloads are served.
struct Rendering: Sendable {
    var timestamps: TimestampStyle = .canonical
    /// E.g. `http://127.0.0.1:7878`; attachment URLs hang below it.
    var storageBaseURL: String

    func attachment(_ row: Row) -> Attachment {
        let id: String = row["id"]
        let filename: String = row["filename"]
        return Attachment(
            id: id, filename: filename, fileSize: row["file_size"], contentType: row["content_type"],
            url: Rendering.downloadURL(base: storageBaseURL, id: id, filename: filename))
    }

    /// Download URL of an attachment. The file name is percent-encoded so
    /// any name the client chose stays one path segment.
    static func downloadURL(base: String, id: String, filename: String) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        var encoded = ""
        for byte in filename.utf8 {
            if allowed.contains(byte) {
                encoded.append(Character(Unicode.Scalar(byte)))
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return "\(base)/storage/attachments/\(id)/\(encoded)"
    }

    func message(_ row: Row, attachments: [Attachment]) -> Message {
        Message(
            id: row["id"], conversationID: row["conversation_id"], content: row["content"],
            sentAt: timestamps.make(row["sent_at"]), senderType: SenderType(rawValue: row["sender_type"]),
            senderID: row["sender_id"], readAt: (row["read_at"] as Int64?).map(timestamps.make),
            attachments: attachments)
    }

    /// A conversation row joined with its client (`client_name`,
    /// `client_email`, `avatar_color`) and its `unread_count`.
    func conversation(_ row: Row, studio: StudioRecord?, messages: [Message]?) -> Conversation {
        let client = Participant(
            id: row["client_id"], name: row["client_name"], email: row["client_email"], type: .client,
            avatarColor: row["avatar_color"])
        var participants = [client]
        if let studio { participants.append(studio.participant) }
        return Conversation(
            id: row["id"], clientID: row["client_id"], subject: row["subject"],
            createdAt: timestamps.make(row["created_at"]), updatedAt: timestamps.make(row["updated_at"]),
            lastMessageAt: timestamps.make(row["last_message_at"]), status: ConversationStatus(rawValue: row["status"]),
            unreadCount: row["unread_count"], participants: participants, messages: messages)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
