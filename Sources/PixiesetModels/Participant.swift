/// A person in a conversation (seed "Participant Object").
public struct Participant: Sendable, Hashable, Codable {
    public var id: String
    public var name: String?
    public var email: String?
    public var type: ParticipantType
    /// Set for clients only.
    public var avatarColor: Int?

    public init(id: String, name: String?, email: String?, type: ParticipantType, avatarColor: Int?) {
        self.id = id
        self.name = name
        self.email = email
        self.type = type
        self.avatarColor = avatarColor
    }

    /// The wire fields, listed once: every hand-written path (the sandbox's writer, the fast reader,
    /// the Lua table) is checked against this list (`WireFieldsTests`).
    public static var wireFields: [String] { CodingKeys.allCases.map(\.rawValue) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, email, type
        case avatarColor = "avatar_color"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = c.lenient(String.self, forKey: .name)
        email = c.lenient(String.self, forKey: .email)
        type = c.lenient(ParticipantType.self, forKey: .type) ?? ParticipantType(rawValue: "")
        avatarColor = c.lenientInt(forKey: .avatarColor)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(email, forKey: .email)
        try c.encode(type, forKey: .type)
        try c.encodeIfPresent(avatarColor, forKey: .avatarColor)
    }
}
