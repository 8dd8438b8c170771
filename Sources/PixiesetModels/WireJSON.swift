/// A wire model written with `JSONWriter`. Each `write` lists the fields in
/// sorted order, with the same presence rules as the model's `encode(to:)`
/// (null when that writes null, absent when that omits).
public protocol WireWritable {
    func write(to writer: inout JSONWriter)
}

extension WireWritable {
    /// The value as JSON text (what `JSONEncoder` with sorted keys writes).
    public var wireJSON: String {
        var writer = JSONWriter(capacity: 512)
        write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension String: WireWritable {
    public func write(to writer: inout JSONWriter) { writer.string(self) }
}

extension Envelope: WireWritable where Payload: WireWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("data")
        data.write(to: &writer)
        writer.endObject()
    }
}

extension Array: WireWritable where Element: WireWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginArray()
        for item in self {
            writer.element()
            item.write(to: &writer)
        }
        writer.endArray()
    }
}

extension ConversationPage: WireWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("data")
        data.write(to: &writer)
        if let meta {
            writer.key("meta")
            meta.write(to: &writer)
        }
        writer.endObject()
    }
}

extension PageMeta: WireWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("current_page"); writer.int(currentPage)
        writer.key("last_page"); writer.int(lastPage)
        writer.key("per_page"); writer.int(perPage)
        writer.key("total"); writer.int(total)
        writer.endObject()
    }
}

extension Conversation: WireWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("client_id"); writer.string(clientID)
        if let createdAt { writer.key("created_at"); writer.string(createdAt.text) }
        writer.key("id"); writer.string(id)
        writer.key("last_message_at"); writer.string(lastMessageAt?.text)
        if let messages { writer.key("messages"); messages.write(to: &writer) }
        if let participants { writer.key("participants"); participants.write(to: &writer) }
        writer.key("status"); writer.string(status?.rawValue)
        writer.key("subject"); writer.string(subject)
        writer.key("unread_count"); writer.int(unreadCount)
        if let updatedAt { writer.key("updated_at"); writer.string(updatedAt.text) }
        writer.endObject()
    }
}

extension Participant: WireWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        if let avatarColor { writer.key("avatar_color"); writer.int(avatarColor) }
        writer.key("email"); writer.string(email)
        writer.key("id"); writer.string(id)
        writer.key("name"); writer.string(name)
        writer.key("type"); writer.string(type.rawValue)
        writer.endObject()
    }
}

extension Message: WireWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("attachments"); attachments.write(to: &writer)
        writer.key("content"); writer.string(content)
        if let conversationID { writer.key("conversation_id"); writer.string(conversationID) }
        writer.key("id"); writer.string(id)
        writer.key("read_at"); writer.string(readAt?.text)
        writer.key("sender_id"); writer.string(senderID)
        writer.key("sender_type"); writer.string(senderType.rawValue)
        writer.key("sent_at"); writer.string(sentAt.text)
        writer.endObject()
    }
}

extension Attachment: WireWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("content_type"); writer.string(contentType)
        writer.key("file_size"); writer.int(fileSize)
        writer.key("filename"); writer.string(filename)
        writer.key("id"); writer.string(id)
        writer.key("url"); writer.string(url)
        writer.endObject()
    }
}

extension SendMessageRequest: WireWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("attachment_ids"); attachmentIDs.write(to: &writer)
        writer.key("content"); writer.string(content)
        writer.key("conversation_id"); writer.string(conversationID)
        writer.endObject()
    }
}
