/// The answer of `GET /conversation_message_attachments/upload_url`: where
/// and how to upload one file before attaching it by `attachment_id`.
public struct UploadGrant: Sendable, Hashable, Codable {
    public var uploadURL: String
    public var attachmentID: String
    /// Form fields to post before the file, in the order the server sent them.
    public var uploadFields: [UploadField]
    public var method: String

    public init(uploadURL: String, attachmentID: String, uploadFields: [UploadField], method: String) {
        self.uploadURL = uploadURL
        self.attachmentID = attachmentID
        self.uploadFields = uploadFields
        self.method = method
    }

    enum CodingKeys: String, CodingKey {
        case method
        case uploadURL = "upload_url"
        case attachmentID = "attachment_id"
        case uploadFields = "upload_fields"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uploadURL = try c.decode(String.self, forKey: .uploadURL)
        attachmentID = try c.decode(String.self, forKey: .attachmentID)
        method = c.lenient(String.self, forKey: .method) ?? "POST"
        let fields = try c.nestedContainer(keyedBy: FieldKey.self, forKey: .uploadFields)
        uploadFields = try fields.allKeys.map { UploadField(name: $0.stringValue, value: try fields.decode(String.self, forKey: $0)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uploadURL, forKey: .uploadURL)
        try c.encode(attachmentID, forKey: .attachmentID)
        var fields = c.nestedContainer(keyedBy: FieldKey.self, forKey: .uploadFields)
        for field in uploadFields {
            try fields.encode(field.value, forKey: FieldKey(stringValue: field.name))
        }
        try c.encode(method, forKey: .method)
    }

    struct FieldKey: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

/// One form field of an upload grant.
public struct UploadField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
