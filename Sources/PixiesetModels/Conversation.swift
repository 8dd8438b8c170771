/// A conversation with one client (seed "Conversation Object").
///
/// Only `id` is required. `messages` is present when the request asked for
/// messages; `participants` whenever the server sends them.
public struct Conversation: Sendable, Hashable, Codable {
    public var id: String
    public var clientID: String?
    public var subject: String?
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?
    public var lastMessageAt: Timestamp?
    public var status: ConversationStatus?
    public var unreadCount: Int?
    public var participants: [Participant]?
    public var messages: [Message]?

    public init(
        id: String, clientID: String?, subject: String?, createdAt: Timestamp?, updatedAt: Timestamp?,
        lastMessageAt: Timestamp?, status: ConversationStatus?, unreadCount: Int?,
        participants: [Participant]?, messages: [Message]?
    ) {
        self.id = id
        self.clientID = clientID
        self.subject = subject
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastMessageAt = lastMessageAt
        self.status = status
        self.unreadCount = unreadCount
        self.participants = participants
        self.messages = messages
    }

    /// The wire fields, listed once: every hand-written path (the sandbox's writer, the fast reader,
    /// the Lua table) is checked against this list (`WireFieldsTests`).
    public static var wireFields: [String] { CodingKeys.allCases.map(\.rawValue) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, subject, status, participants, messages
        case clientID = "client_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case lastMessageAt = "last_message_at"
        case unreadCount = "unread_count"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        clientID = c.lenient(String.self, forKey: .clientID)
        subject = c.lenient(String.self, forKey: .subject)
        createdAt = c.lenient(Timestamp.self, forKey: .createdAt)
        updatedAt = c.lenient(Timestamp.self, forKey: .updatedAt)
        lastMessageAt = c.lenient(Timestamp.self, forKey: .lastMessageAt)
        status = c.lenient(ConversationStatus.self, forKey: .status)
        unreadCount = c.lenientInt(forKey: .unreadCount)
        participants = c.lenient([Participant].self, forKey: .participants)
        // Messages are not lenient: a message that cannot be read must not vanish silently.
        messages = try c.decodeIfPresent([Message].self, forKey: .messages)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(clientID, forKey: .clientID)
        try c.encode(subject, forKey: .subject)
        try c.encodeIfPresent(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(updatedAt, forKey: .updatedAt)
        try c.encode(lastMessageAt, forKey: .lastMessageAt)
        try c.encode(unreadCount, forKey: .unreadCount)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(participants, forKey: .participants)
        try c.encodeIfPresent(messages, forKey: .messages)
    }

    /// The client participant, if the server sent participants.
    public var client: Participant? { participants?.first { $0.type == .client } }
}
