import HTTPTypes
import Crypto
import Foundation
import PixiesetModels

/// Signs and checks upload policies the way S3 browser uploads do: the
/// grant carries a base64 JSON policy and an HMAC-SHA256 of it; the upload
/// target recomputes the HMAC, so a forged or edited field is refused.
struct UploadSigner: Sendable {
    private let keyBytes: Data

    /// A signer with a fresh random key: grants die with the sandbox process.
    init() { keyBytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) } }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    struct Policy: Codable, Sendable {
        var expiration: String
        var key: String
        var contentType: String
        var contentLength: Int
        var attachmentID: String

        enum CodingKeys: String, CodingKey {
            case expiration, key
            case contentType = "content_type"
            case contentLength = "content_length"
            case attachmentID = "attachment_id"
        }
    }

    /// The grant of `GET /conversation_message_attachments/upload_url`.
    func grant(for attachment: AttachmentRecord, uploadURL: String, now: Timestamp) throws -> UploadGrant {
        let policy = Policy(
            expiration: Timestamp(microseconds: attachment.expiresAt).text, key: "attachments/\(attachment.id)",
            contentType: attachment.contentType, contentLength: attachment.fileSize, attachmentID: attachment.id)
        let encoded = try JSONEncoder().encode(policy).base64EncodedString()
        let date = String(now.text.prefix(19).filter { $0 != "-" && $0 != ":" }) + "Z"
        return UploadGrant(
            uploadURL: uploadURL, attachmentID: attachment.id,
            uploadFields: [
                UploadField(name: "key", value: policy.key),
                UploadField(name: "Content-Type", value: attachment.contentType),
                UploadField(name: "policy", value: encoded),
                UploadField(name: "x-amz-algorithm", value: "AWS4-HMAC-SHA256"),
                UploadField(name: "x-amz-credential", value: "SANDBOX/\(date.prefix(8))/sandbox/s3/aws4_request"),
                UploadField(name: "x-amz-date", value: date),
                UploadField(name: "x-amz-signature", value: signature(of: encoded)),
            ],
            method: "POST")
    }

    /// The policy of an upload, once its signature is verified.
    /// - Throws: `SandboxError` 403 for a bad signature or an unreadable policy.
    func verify(policy encoded: String, signature: String) throws -> Policy {
        guard let given = Data(hexString: signature),
              HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data(encoded.utf8), using: key)
        else {
            throw SandboxError(.forbidden, code: "SIGNATURE_DOES_NOT_MATCH", "The upload signature does not match its policy")
        }
        guard let json = Data(base64Encoded: encoded), let policy = try? JSONDecoder().decode(Policy.self, from: json) else {
            throw SandboxError(.forbidden, code: "INVALID_POLICY", "The upload policy cannot be read")
        }
        return policy
    }

    private func signature(of encoded: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(encoded.utf8), using: key).map { byte in
            String(byte, radix: 16).leftPadded(to: 2)
        }.joined()
    }
}

extension Data {
    /// Bytes from lower- or upper-case hex; `nil` for anything else.
    init?(hexString: String) {
        let chars = Array(hexString.utf8)
        guard chars.count % 2 == 0, chars.count <= 256 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = Data.nibble(chars[index]), let low = Data.nibble(chars[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}
