import Foundation

/// The body of `POST /conversation_messages`.
public struct SendMessageRequest: Sendable, Hashable, Codable {
    public var conversationID: String
    public var content: String
    public var attachmentIDs: [String]

    /// The longest text the studio takes, in characters (Unicode scalars, as Laravel's `max:` counts):
    /// an assumption (docs/assumptions.md), used to refuse a text before it waits for approval.
    public static let maximumContentLength = 20_000

    /// Why the studio would refuse `content` whatever happens (nil: it would not, as far as is known).
    public static func contentProblem(_ content: String) -> String? {
        if content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "the text is empty" }
        let length = content.unicodeScalars.count
        guard length <= maximumContentLength else {
            return "the text is \(length) characters long; the studio takes at most \(maximumContentLength)"
        }
        return nil
    }

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
