import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PixiesetModels

/// The seed's endpoints under `/api/v1`.
enum APIRoutes {
    /// Largest JSON body accepted by `POST /conversation_messages`.
    static let maximumJSONBody = 1 << 20

    static func add<Context: RequestContext>(to api: RouterGroup<Context>, environment env: SandboxEnvironment) {
        api.get("conversations") { request, _ in
            let query = try conversationQuery(QueryParameters(request))
            let page = try env.database.listConversations(
                query, rendering: env.rendering(), unordered: env.controls.quirks.contains(.unordered))
            let lens = try env.lens()
            let shown = lens.isIdentity ? page : lens.page(page)
            return lens.quirks.contains(.hostileDetails) ? JSONResponse.hostile(shown, poisoning: lens.unreadable) : JSONResponse.wire(shown)
        }

        api.get("conversations/unread/count") { _, _ in
            try JSONResponse.data(try env.database.unreadCount())
        }

        api.get("conversations/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            let includeMessages = try QueryParameters(request).bool("messages", default: true)
            let lens = try env.lens()
            if lens.quirks.contains(.get404), id == lens.unreadable { throw SandboxError.conversationNotFound }
            let conversation = try await env.database.conversation(
                id: id, includeMessages: includeMessages, markRead: env.controls.quirks.contains(.markReadOnGet),
                rendering: env.rendering())
            let answer = Envelope(data: lens.isIdentity ? conversation : lens.conversation(conversation, details: true))
            return lens.quirks.contains(.hostileDetails) && id == lens.unreadable ? JSONResponse.hostile(answer) : JSONResponse.wire(answer)
        }

        api.post("conversation_messages") { request, _ in
            let body = try await collect(request, limit: maximumJSONBody)
            let send = try decodeJSON(SendMessageRequest.self, from: body)
            let message = try await env.database.send(send, rendering: env.rendering())
            let quirks = env.controls.quirks
            // Stored, and answered with nothing: the client cannot tell what happened.
            if quirks.contains(.postEmptyBody) { return Response(status: .ok) }
            let lens = try env.lens()
            return JSONResponse.wire(Envelope(data: lens.isIdentity ? message : lens.message(message)), status: .created)
        }

        api.get("conversation_message_attachments/upload_url") { request, _ in
            let upload = try UploadRequest(QueryParameters(request))
            let record = try await env.database.createUpload(
                filename: upload.filename, contentType: upload.contentType, fileSize: upload.fileSize)
            let grant = try env.signer.grant(
                for: record, uploadURL: "\(env.origin)\(StorageRoutes.uploadPath)", now: env.database.clock.now())
            return try JSONResponse.data(grant)
        }
    }

    static func conversationQuery(_ parameters: QueryParameters) throws -> ConversationQuery {
        var query = ConversationQuery()
        query.clientID = parameters.string("client_id")
        query.page = try parameters.int("page", default: 1, minimum: 1)
        // `per_page` as well, the name the API's pagination page uses; `page_size` (the seed's) wins.
        let perPage = try parameters.int("per_page", default: ConversationQuery.defaultPageSize, minimum: 1)
        query.pageSize = min(try parameters.int("page_size", default: perPage, minimum: 1), ConversationQuery.maximumPageSize)
        query.includeMessages = try parameters.bool("message", default: false)
        if let status = parameters.string("message_status") {
            guard let selection = ConversationQuery.Selection(rawValue: status) else {
                throw SandboxError.invalidParameter(
                    "message_status", "must be one of \(ConversationQuery.Selection.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.selection = selection
        }
        return query
    }

    /// The request body, refused with 413 past `limit` bytes.
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw SandboxError.payloadTooLarge(limit: limit)
        }
    }

    /// Decodes a JSON body: 400 `INVALID_JSON` when it is not JSON at all,
    /// 400 `VALIDATION_ERROR` naming the field when a field is missing or of
    /// the wrong type.
    static func decodeJSON<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch let DecodingError.keyNotFound(key, context) {
            throw SandboxError.validation("\(path(context.codingPath + [key])): is required")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw SandboxError.validation("\(path(context.codingPath)): must be \(describe(expected))")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw SandboxError.validation("\(path(context.codingPath)): must be \(describe(expected)), not null")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw SandboxError.validation("\(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw SandboxError.invalidJSON("expected a JSON object")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "body" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is [String].Type: return "an array of strings"
        case is Int.Type: return "a whole number"
        default: return "of another type"
        }
    }
}

/// The query of `GET /conversation_message_attachments/upload_url`, checked.
struct UploadRequest {
    /// Largest file (seed: `max_size` 10485760).
    static let maximumFileSize = 10_485_760
    /// Types the sandbox accepts (the seed's "Supported File Types").
    static let allowedContentTypes: Set<String> = [
        "application/pdf", "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/jpeg", "image/png", "image/gif", "image/webp",
        "application/zip", "application/x-zip-compressed", "application/vnd.rar", "application/x-rar-compressed",
        "text/plain", "text/csv",
    ]

    let filename: String
    let contentType: String
    let fileSize: Int

    init(_ parameters: QueryParameters) throws {
        filename = try parameters.requiredString("filename")
        // The same rule as docs/openapi.yaml: no separators or control characters, not "." or "..".
        guard filename.unicodeScalars.count <= 255, filename != ".", filename != "..",
              !filename.unicodeScalars.contains(where: { $0 == "/" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw SandboxError.invalidParameter("filename", "must be a plain file name of at most 255 characters")
        }
        let type = try parameters.requiredString("content_type")
        guard let size = Int(try parameters.requiredString("file_size")), size >= 1 else {
            throw SandboxError.invalidParameter("file_size", "must be a whole number of bytes, at least 1")
        }
        guard size <= Self.maximumFileSize else { throw SandboxError.fileTooLarge(max: Self.maximumFileSize) }
        let base = type.split(separator: ";").first.map { String($0).trimming(" \t").lowercased() } ?? ""
        guard Self.allowedContentTypes.contains(base) else {
            throw SandboxError(
                .unsupportedMediaType, code: "UNSUPPORTED_FILE_TYPE",
                "File type \(base.prefix(80)) is not supported (PDF, Word, JPEG, PNG, GIF, WebP, ZIP, RAR, TXT, CSV)")
        }
        contentType = base
        fileSize = size
    }
}
