/// The error body of the seed: `{ "error": "…", "code": "…" }`, with extra
/// fields on some errors (`max_size` on `FILE_TOO_LARGE`).
public struct APIErrorBody: Sendable, Hashable, Codable {
    /// The human-readable message (`error`).
    public var error: String
    /// The machine-readable code, e.g. `CONVERSATION_NOT_FOUND`.
    public var code: String
    /// The size limit in bytes, on `FILE_TOO_LARGE`.
    public var maxSize: Int?

    public init(error: String, code: String, maxSize: Int? = nil) {
        self.error = error
        self.code = code
        self.maxSize = maxSize
    }

    enum CodingKeys: String, CodingKey {
        case error, code, message
        case maxSize = "max_size"
    }

    /// Reads `error` or, failing that, `message` (a common alternative).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        error = c.lenient(String.self, forKey: .error) ?? c.lenient(String.self, forKey: .message) ?? code
        maxSize = c.lenientInt(forKey: .maxSize)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(error, forKey: .error)
        try c.encode(code, forKey: .code)
        try c.encodeIfPresent(maxSize, forKey: .maxSize)
    }
}
