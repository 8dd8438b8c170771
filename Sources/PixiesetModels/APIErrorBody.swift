/// An error body of the API, in any of the shapes its documentation shows
/// (docs/assumptions.md A6):
///
/// - the seed's flat form: `{ "error": "…", "code": "…" }`, plus `max_size`
///   on `FILE_TOO_LARGE`;
/// - the nested form of the error-handling page:
///   `{ "error": { "code": "…", "message": "…", "details": {…} } }`;
/// - a label and a message: `{ "error": "Unauthorized", "message": "…" }`;
/// - Laravel's: `{ "message": "…", "errors": { "field": ["…"] } }`.
///
/// Decoding fails only for a body with none of `code`, `error` or `message`:
/// that is not an error body, and the client reports it as an unexpected answer.
public struct APIErrorBody: Sendable, Hashable, Codable {
    /// The human-readable message.
    public var error: String
    /// The machine-readable code as the server wrote it (`CONVERSATION_NOT_FOUND`,
    /// `validation_failed`), else made from a label (`Unauthorized` → `UNAUTHORIZED`);
    /// nil when the body has neither (the client then names it by its status).
    public var code: String?
    /// The size limit in bytes, on `FILE_TOO_LARGE`.
    public var maxSize: Int?
    /// `details` (or Laravel's `errors`): per-field messages and the like, as the server wrote them.
    public var details: JSONFragment?

    public init(error: String, code: String?, maxSize: Int? = nil, details: JSONFragment? = nil) {
        self.error = error
        self.code = code
        self.maxSize = maxSize
        self.details = details
    }

    enum CodingKeys: String, CodingKey {
        case error, code, message, details, errors
        case maxSize = "max_size"
    }

    /// Set to `true` in a decoder's `userInfo`: `details` are not read, only
    /// `max_size` in them (a large error body's details would be built for
    /// nothing: only a body of an error's usual size keeps them).
    public static let withoutDetails = CodingUserInfoKey(rawValue: "pxscript.withoutDetails")!

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if decoder.userInfo[Self.withoutDetails] as? Bool == true {
            try self.init(summaryOf: c)
        } else {
            try self.init(wholeOf: c)
        }
    }

    private init(wholeOf c: KeyedDecodingContainer<CodingKeys>) throws {
        let topCode = c.lenient(String.self, forKey: .code)
        let topMessage = c.lenient(String.self, forKey: .message)
        let label = c.lenient(String.self, forKey: .error)
        var nested: (code: String?, message: String?, details: JSONFragment?)?
        if label == nil, let inner = try? c.nestedContainer(keyedBy: CodingKeys.self, forKey: .error) {
            nested = (inner.lenient(String.self, forKey: .code), inner.lenient(String.self, forKey: .message),
                      inner.lenient(JSONFragment.self, forKey: .details))
        }
        guard topCode != nil || label != nil || topMessage != nil || nested?.code != nil || nested?.message != nil else {
            throw DecodingError.keyNotFound(
                CodingKeys.code, .init(codingPath: c.codingPath, debugDescription: "no code, error or message: not an error body"))
        }
        // With a code beside it, `error` is the message (the seed); with a message beside it, a label.
        code = nested?.code ?? topCode ?? label.map(Self.code(fromLabel:))
        error = nested?.message ?? topMessage ?? label ?? code ?? ""
        details = nested?.details ?? c.lenient(JSONFragment.self, forKey: .details) ?? c.lenient(JSONFragment.self, forKey: .errors)
        if case .null? = details { details = nil }
        maxSize = c.lenientInt(forKey: .maxSize)
        if maxSize == nil, case .object(let members)? = details, case .integer(let limit)? = members["max_size"] {
            maxSize = Int(clamping: limit)
        }
    }

    /// Code, message and `max_size`, without building `details`.
    private init(summaryOf c: KeyedDecodingContainer<CodingKeys>) throws {
        let topCode = c.lenient(String.self, forKey: .code)
        let topMessage = c.lenient(String.self, forKey: .message)
        let label = c.lenient(String.self, forKey: .error)
        let inner = label == nil ? try? c.nestedContainer(keyedBy: CodingKeys.self, forKey: .error) : nil
        let nested = inner.map { ($0.lenient(String.self, forKey: .code), $0.lenient(String.self, forKey: .message)) }
        guard topCode != nil || label != nil || topMessage != nil || nested?.0 != nil || nested?.1 != nil else {
            throw DecodingError.keyNotFound(
                CodingKeys.code, .init(codingPath: c.codingPath, debugDescription: "no code, error or message: not an error body"))
        }
        let code = nested?.0 ?? topCode ?? label.map(Self.code(fromLabel:))
        self.init(error: nested?.1 ?? topMessage ?? label ?? code ?? "", code: code)
        let details = (try? inner?.nestedContainer(keyedBy: CodingKeys.self, forKey: .details))
            ?? (try? c.nestedContainer(keyedBy: CodingKeys.self, forKey: .details))
        maxSize = c.lenientInt(forKey: .maxSize) ?? details?.lenientInt(forKey: .maxSize)
    }

    /// The seed's flat form (what the sandbox writes by default).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(error, forKey: .error)
        try c.encodeIfPresent(code, forKey: .code)
        try c.encodeIfPresent(maxSize, forKey: .maxSize)
        try c.encodeIfPresent(details, forKey: .details)
    }

    /// `Invalid client ID format` → `INVALID_CLIENT_ID_FORMAT`: a label made a code scripts can compare.
    static func code(fromLabel label: String) -> String {
        var out = ""
        for scalar in label.unicodeScalars.prefix(64) {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                out.unicodeScalars.append(contentsOf: String(scalar).uppercased().unicodeScalars)
            } else if !out.isEmpty, !out.hasSuffix("_") {
                out.append("_")
            }
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out.isEmpty ? "ERROR" : out
    }
}

/// The nested form of an error body, `{ "error": { "code", "message", "details" } }`,
/// as the error-handling page of the API's documentation writes it (the sandbox's
/// `nested_errors` quirk).
public struct NestedAPIErrorBody: Sendable, Encodable {
    public let body: APIErrorBody

    public init(_ body: APIErrorBody) { self.body = body }

    private struct Inner: Encodable {
        let code: String?
        let message: String
        let details: JSONFragment?
    }

    enum CodingKeys: String, CodingKey { case error }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        var details = body.details
        if let maxSize = body.maxSize {
            var members: [String: JSONFragment] = [:]
            if case .object(let existing)? = details { members = existing }
            members["max_size"] = .integer(Int64(maxSize))
            details = .object(members)
        }
        try c.encode(Inner(code: body.code, message: body.error, details: details), forKey: .error)
    }
}
