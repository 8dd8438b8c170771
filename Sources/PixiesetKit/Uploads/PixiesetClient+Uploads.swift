import AsyncHTTPClient
import Foundation
import MultipartKit
import NIOCore
import NIOFileSystem
import NIOHTTP1
import PixiesetModels

/// An attachment uploaded and ready to go on a message.
public struct UploadedAttachment: Sendable, Hashable {
    public let id: String
    public let filename: String
    public let contentType: String
    public let size: Int
}

extension PixiesetClient {
    /// The seed's limit (`max_size` of `FILE_TOO_LARGE`).
    public static let maximumAttachmentSize = 10_485_760

    /// Uploads a file as an attachment (docs/spec.md §4 `px.attachments.upload`).
    ///
    /// Size and type are checked before any request; the grant is fetched;
    /// the file is posted with every field of the grant in its order and the
    /// file last, streamed from disk. The session cookie is not sent to the
    /// upload host.
    public func upload(fileAt path: String, filename: String? = nil, contentType: String? = nil) async throws -> UploadedAttachment {
        let size = try Self.checkedSize(of: path)
        let name = filename ?? URL(fileURLWithPath: path).lastPathComponent
        let type = contentType ?? ContentTypes.forFile(name)
        guard !name.isEmpty, !name.contains("/") else { throw PixiesetError.file(path: path, problem: "'\(name)' is not a file name") }

        let grantURL = configuration.baseURL.url(
            ["conversation_message_attachments", "upload_url"],
            query: [("filename", name), ("content_type", type), ("file_size", String(size))])
        let grantResponse = try await perform(Request(method: .GET, url: grantURL))
        let grant: UploadGrant
        do {
            grant = try UploadGrant.decode(from: grantResponse.body)
        } catch {
            throw PixiesetError.malformedResponse(detail: "an upload grant that cannot be read: \(ResponseClassifier.snippet(grantResponse.body, redactor))")
        }
        try Self.check(.attachment, grant.attachmentID)
        try await post(fileAt: path, size: size, filename: name, contentType: type, grant: grant)
        return UploadedAttachment(id: grant.attachmentID, filename: name, contentType: type, size: size)
    }

    /// The size of a readable regular file within the limit.
    static func checkedSize(of path: String) throws -> Int {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw PixiesetError.file(path: path, problem: "no such file")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw PixiesetError.file(path: path, problem: "not a regular file")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size > 0 else { throw PixiesetError.file(path: path, problem: "the file is empty") }
        guard size <= maximumAttachmentSize else {
            throw PixiesetError.file(
                path: path,
                problem: String(format: "%.1f MB is over the 10 MB attachment limit", Double(size) / 1_048_576))
        }
        guard FileManager.default.isReadableFile(atPath: path) else { throw PixiesetError.file(path: path, problem: "not readable") }
        return size
    }

    /// Posts the form: fields in the grant's order (framed by multipart-kit),
    /// then the file, streamed in chunks.
    private func post(fileAt path: String, size: Int, filename: String, contentType: String, grant: UploadGrant) async throws {
        let boundary = "pxscript-" + UUID().uuidString
        var parts = grant.uploadFields.map { field in
            MultipartPart(headers: ["Content-Disposition": "form-data; name=\"\(Self.quoted(field.name))\""], body: field.value)
        }
        parts.append(MultipartPart(
            headers: [
                "Content-Disposition": "form-data; name=\"file\"; filename=\"\(Self.quoted(filename))\"",
                "Content-Type": contentType,
            ],
            body: ByteBuffer()))
        var framed = ByteBuffer()
        try MultipartSerializer().serialize(parts: parts, boundary: boundary, into: &framed)
        // The file part was framed with an empty body: cut the closing and stream the file in its place.
        let closing = "\r\n--\(boundary)--\r\n"
        let prefix = framed.getSlice(at: framed.readerIndex, length: framed.readableBytes - closing.utf8.count) ?? framed
        let suffix = ByteBuffer(string: closing)
        let total = prefix.readableBytes + size + suffix.readableBytes

        var outcomeUnknown = false
        try await retrying("uploading \(filename)") { _ in
            var request = HTTPClientRequest(url: grant.uploadURL)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
            request.headers.add(name: "User-Agent", value: PxscriptVersion.userAgent)
            // The session and its CSRF proof go to the API's own host only, never to object storage.
            let owned = configuration.baseURL.owns(grant.uploadURL)
            if owned {
                if let cookie = configuration.cookie { request.headers.add(name: "Cookie", value: cookie) }
                request.headers.add(name: "X-Requested-With", value: "XMLHttpRequest")
                csrf.add(to: &request.headers)
            }
            let result: AttemptResult = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { file in
                let chunks = file.readChunks(in: 0..<Int64(size), chunkLength: .kibibytes(256))
                request.body = .stream(UploadBody(prefix: prefix, file: chunks, suffix: suffix), length: .known(Int64(total)))
                do {
                    let status: Int, headers: HTTPHeaders, body: ByteBuffer
                    if let http {
                        let response = try await http.execute(request, timeout: .init(configuration.requestTimeout))
                        (status, headers) = (Int(response.status.code), response.headers)
                        body = try await response.body.collect(upTo: 1 << 20)
                    } else {
                        // A studio in this process: the same form, whole (at most the 10 MB limit).
                        var whole = prefix
                        for try await chunk in chunks { whole.writeImmutableBuffer(chunk) }
                        whole.writeImmutableBuffer(suffix)
                        let answer = try await InProcessExchange(configuration: configuration).exchange(
                            Request(method: .POST, url: grant.uploadURL, body: Array(whole.readableBytesView)), headers: request.headers)
                        (status, headers, body) = (Int(answer.status.code), answer.headers, ByteBuffer(bytes: answer.body))
                    }
                    if (200..<300).contains(status) || (status == 409 && outcomeUnknown) {
                        // 409 after a lost answer: the first attempt stored it.
                        return .success(APIResponse(status: status, headers: [], body: []))
                    }
                    return ResponseClassifier.classify(
                        APIResponse(status: status, headers: headers.map { ($0.name, $0.value) }, body: Array(body.readableBytesView)),
                        redactor: redactor, isWrite: owned)
                } catch {
                    return Self.classifyTransport(error, host: grant.uploadURL, redactor: redactor)
                }
            }
            switch result {
            case .success: return .done(())
            case .failure(let error): throw error
            case .csrfSuspect(let detail): throw await settleWriteRefusal(detail: detail)
            case .retryable(let reason, let retryAfter, let written, let detail):
                if written { outcomeUnknown = true }
                return .again(reason: reason, retryAfter: retryAfter, detail: "uploading \(filename): \(detail)")
            }
        }
    }

    static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}

/// The multipart body: framing, the file's chunks, the closing boundary.
struct UploadBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let prefix: ByteBuffer
    let file: FileChunks
    let suffix: ByteBuffer

    func makeAsyncIterator() -> Iterator {
        Iterator(prefix: prefix, file: file.makeAsyncIterator(), suffix: suffix)
    }

    struct Iterator: AsyncIteratorProtocol {
        var prefix: ByteBuffer?
        var file: FileChunks.AsyncIterator
        var suffix: ByteBuffer?

        mutating func next() async throws -> ByteBuffer? {
            if let first = prefix {
                prefix = nil
                return first
            }
            if let chunk = try await file.next() { return chunk }
            defer { suffix = nil }
            return suffix
        }
    }
}
