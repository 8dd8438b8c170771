/// A file attached to a message (seed "Attachment Object").
public struct Attachment: Sendable, Hashable, Codable {
    public var id: String
    public var filename: String
    public var fileSize: Int?
    public var contentType: String?
    public var url: String?

    public init(id: String, filename: String, fileSize: Int?, contentType: String?, url: String?) {
        self.id = id
        self.filename = filename
        self.fileSize = fileSize
        self.contentType = contentType
        self.url = url
    }

    /// The wire fields, listed once: every hand-written path (the sandbox's writer, the fast reader,
    /// the Lua table) is checked against this list (`WireFieldsTests`).
    public static var wireFields: [String] { CodingKeys.allCases.map(\.rawValue) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, filename, url
        case fileSize = "file_size"
        case contentType = "content_type"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        filename = c.lenient(String.self, forKey: .filename) ?? ""
        fileSize = c.lenientInt(forKey: .fileSize)
        contentType = c.lenient(String.self, forKey: .contentType)
        url = c.lenient(String.self, forKey: .url)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(filename, forKey: .filename)
        try c.encode(fileSize, forKey: .fileSize)
        try c.encode(contentType, forKey: .contentType)
        try c.encode(url, forKey: .url)
    }
}
