import Foundation

/// The answer of `GET /conversation_message_attachments/upload_url`: where
/// and how to upload one file before attaching it by `attachment_id`.
public struct UploadGrant: Sendable, Hashable, Codable {
    public var uploadURL: String
    public var attachmentID: String
    /// Form fields to post before the file. In the server's order when
    /// decoded with `decode(from:at:)`; `Decodable` alone cannot see the order.
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

    /// Decodes the grant at `path` (`["data"]` for the API's envelope) and
    /// puts `upload_fields` in the order of the JSON text.
    public static func decode(from json: [UInt8], at path: [String] = ["data"]) throws -> UploadGrant {
        var grant = try JSONDecoder().decode(Wrapped.self, from: Data(json)).grant(at: path)
        if let order = JSONKeyOrder.keys(at: path + ["upload_fields"], in: json) {
            let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            grant.uploadFields.sort { (rank[$0.name] ?? .max) < (rank[$1.name] ?? .max) }
        }
        return grant
    }

    /// Follows `path` through nested objects to the grant.
    private struct Wrapped: Decodable {
        let decoder: any Decoder
        init(from decoder: any Decoder) throws { self.decoder = decoder }

        func grant(at path: [String]) throws -> UploadGrant {
            guard let last = path.last else { return try UploadGrant(from: decoder) }
            var container = try decoder.container(keyedBy: FieldKey.self)
            for key in path.dropLast() {
                container = try container.nestedContainer(keyedBy: FieldKey.self, forKey: FieldKey(stringValue: key))
            }
            return try container.decode(UploadGrant.self, forKey: FieldKey(stringValue: last))
        }
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
