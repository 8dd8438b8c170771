/// The ID prefixes of the seed (`conv_`, `msg_`, `att_`, `cl_`).
///
/// Both sides validate IDs with this one rule: the sandbox to answer an
/// unknown ID with a 404, the client to make sure an ID taken from a script
/// can never reach another endpoint (`..`, `/`, `?`, `#` are not ID characters).
public enum ResourceID: String, Sendable, CaseIterable {
    case conversation = "conv_"
    case message = "msg_"
    case attachment = "att_"
    case client = "cl_"

    /// The longest ID accepted; the seed's longest (`cl_` + 30) is well inside it.
    public static let maximumLength = 64

    /// The prefix, e.g. `conv_`.
    public var prefix: String { rawValue }

    /// Whether `id` is this prefix followed by ASCII letters, digits, `_` or `-`.
    public func isValid(_ id: String) -> Bool {
        guard id.utf8.count <= Self.maximumLength, id.hasPrefix(prefix) else { return false }
        let rest = id.utf8.dropFirst(prefix.utf8.count)
        return !rest.isEmpty && rest.allSatisfy(Self.isIDByte)
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 || byte == 45
    }
}
