/// A string-valued enumeration that keeps values it does not know.
///
/// The seed lists `sender_type` as client, photographer or system and
/// `status` as active or archived; the real API may send others. Decoding
/// never fails on a new value, and code compares against the known ones.
public protocol OpenString: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible where RawValue == String
{
    init(rawValue: String)
}

extension OpenString {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Who wrote a message (`sender_type`).
public struct SenderType: OpenString {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let client: SenderType = "client"
    public static let photographer: SenderType = "photographer"
    public static let system: SenderType = "system"

    /// The studio's side: the photographer, pxscript, any other sender the API may name; neither
    /// the client nor the studio's own notes ("Invoice … was paid").
    public var isStudio: Bool { self != .client && self != .system }
}

/// A conversation's `status`.
public struct ConversationStatus: OpenString {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let active: ConversationStatus = "active"
    public static let archived: ConversationStatus = "archived"
}

/// A participant's `type`.
public struct ParticipantType: OpenString {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let client: ParticipantType = "client"
    public static let photographer: ParticipantType = "photographer"
}
