/// One message of a conversation (seed "Message Object").
///
/// `id` and `sent_at` are required: without them a message can be neither
/// deduplicated nor ordered. Everything else is decoded tolerantly.
public struct Message: Sendable, Hashable, Codable {
    public var id: String
    public var conversationID: String?
    public var content: String
    public var sentAt: Timestamp
    public var senderType: SenderType
    public var senderID: String?
    public var readAt: Timestamp?
    public var attachments: [Attachment]

    public init(
        id: String, conversationID: String?, content: String, sentAt: Timestamp, senderType: SenderType,
        senderID: String?, readAt: Timestamp?, attachments: [Attachment]
    ) {
        self.id = id
        self.conversationID = conversationID
        self.content = content
        self.sentAt = sentAt
        self.senderType = senderType
        self.senderID = senderID
        self.readAt = readAt
        self.attachments = attachments
    }

    /// The wire fields, listed once: every hand-written path (the sandbox's writer, the fast reader,
    /// the Lua table) is checked against this list (`WireFieldsTests`).
    public static var wireFields: [String] { CodingKeys.allCases.map(\.rawValue) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, content, attachments
        case conversationID = "conversation_id"
        case sentAt = "sent_at"
        case senderType = "sender_type"
        case senderID = "sender_id"
        case readAt = "read_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        sentAt = try c.decode(Timestamp.self, forKey: .sentAt)
        conversationID = c.lenient(String.self, forKey: .conversationID)
        content = c.lenient(String.self, forKey: .content) ?? ""
        senderType = c.lenient(SenderType.self, forKey: .senderType) ?? SenderType(rawValue: "")
        senderID = c.lenient(String.self, forKey: .senderID)
        readAt = c.lenient(Timestamp.self, forKey: .readAt)
        attachments = c.lenient([Attachment].self, forKey: .attachments) ?? []
    }

    /// Writes every field of the seed; `read_at` as an explicit `null` when unread.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(conversationID, forKey: .conversationID)
        try c.encode(content, forKey: .content)
        try c.encode(sentAt, forKey: .sentAt)
        try c.encode(senderType, forKey: .senderType)
        try c.encode(senderID, forKey: .senderID)
        try c.encode(readAt, forKey: .readAt)
        try c.encode(attachments, forKey: .attachments)
    }
}
