/// The kinds of ID the Conversations API uses, with the seed's prefixes
/// (`conv_`, `msg_`, `att_`, `cl_`).
///
/// The prefixes are not required: the API's own id page also shows
/// conversation ids of the form `{username}_{unique_id}`
/// (`examplestudio_abc123def456`), so a studio whose ids look like that must
/// work (docs/assumptions.md A8). What is required is that an id be one
/// safe path segment: ASCII letters, digits, `_` and `-`, at most
/// `maximumLength` long. `..`, `/`, `?`, `#`, `%` and spaces are not id
/// characters, so an id taken from a script can never reach another
/// endpoint. Both sides use this one rule: the sandbox to answer an
/// unknown id with a 404, the client before any request.
public enum ResourceID: String, Sendable, CaseIterable {
    case conversation = "conv_"
    case message = "msg_"
    case attachment = "att_"
    case client = "cl_"

    /// The longest id accepted: the seed's longest (`cl_` + 30) and a username
    /// and a unique part are well inside it.
    public static let maximumLength = 128

    /// The seed's prefix, e.g. `conv_` (what the sandbox gives its ids by default).
    public var prefix: String { rawValue }

    /// Whether `id` is one safe path segment: 1 to `maximumLength` ASCII letters, digits, `_` or `-`.
    public func isValid(_ id: String) -> Bool {
        Self.isSafeSegment(id)
    }

    public static func isSafeSegment(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= maximumLength && bytes.allSatisfy(isIDByte)
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 || byte == 45
    }
}
