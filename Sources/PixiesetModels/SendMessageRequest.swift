/// The body of `POST /conversation_messages`.
public struct SendMessageRequest: Sendable, Hashable, Codable {
    public var conversationID: String
    public var content: String
    public var attachmentIDs: [String]

    public init(conversationID: String, content: String, attachmentIDs: [String] = []) {
        self.conversationID = conversationID
        self.content = content
        self.attachmentIDs = attachmentIDs
    }

    enum CodingKeys: String, CodingKey {
        case content
        case conversationID = "conversation_id"
        case attachmentIDs = "attachment_ids"
    }

    /// `attachment_ids` may be omitted (no attachments); the rest is required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        conversationID = try c.decode(String.self, forKey: .conversationID)
        content = try c.decode(String.self, forKey: .content)
        attachmentIDs = try c.decodeIfPresent([String].self, forKey: .attachmentIDs) ?? []
    }
}
