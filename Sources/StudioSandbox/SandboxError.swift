import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PixiesetModels

/// An error the sandbox answers with, rendered as the API's own body
/// (`{"error": "…", "code": "…"}`, plus `max_size` on `FILE_TOO_LARGE`).
public struct SandboxError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let body: APIErrorBody
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, maxSize: Int? = nil) {
        self.status = status
        self.body = APIErrorBody(error: message, code: code, maxSize: maxSize)
    }

    /// The code (the sandbox always writes one).
    public var code: String { body.code ?? "" }

    public var description: String { "\(status.code) \(code): \(body.error)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try response(nested: false)
    }

    /// The answer: the seed's flat body, or (quirk `nested_errors`) the error-handling
    /// page's nested one, with validation errors as 422 `validation_failed` and per-field details.
    func response(nested: Bool) throws -> Response {
        var response: Response
        if nested {
            var body = self.body
            var status = self.status
            if body.code == "VALIDATION_ERROR" {
                status = .unprocessableContent
                body.code = "validation_failed"
                // "content: longer than …" names its field first.
                let parts = body.error.split(separator: ":", maxSplits: 1)
                if parts.count == 2, !parts[0].contains(" ") {
                    body.details = .object([String(parts[0]): .array([.string(parts[1].trimmingCharacters(in: .whitespaces))])])
                }
            }
            response = try JSONResponse.make(NestedAPIErrorBody(body), status: status)
        } else {
            response = try JSONResponse.make(body, status: status)
        }
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension SandboxError {
    static let conversationNotFound = SandboxError(.notFound, code: "CONVERSATION_NOT_FOUND", "Conversation not found")
    static let accessDenied = SandboxError(.forbidden, code: "ACCESS_DENIED", "Access denied to conversation")
    static let unauthenticated = SandboxError(.unauthorized, code: "UNAUTHENTICATED", "Unauthenticated.")
    static let attachmentNotFound = SandboxError(.notFound, code: "ATTACHMENT_NOT_FOUND", "Attachment not found")

    static func fileTooLarge(max: Int) -> SandboxError {
        SandboxError(.contentTooLarge, code: "FILE_TOO_LARGE", "File size exceeds maximum allowed", maxSize: max)
    }

    static func invalidJSON(_ detail: String) -> SandboxError {
        SandboxError(.badRequest, code: "INVALID_JSON", "Request body is not valid JSON: \(detail)")
    }

    static func validation(_ message: String) -> SandboxError {
        SandboxError(.badRequest, code: "VALIDATION_ERROR", message)
    }

    static func invalidParameter(_ name: String, _ message: String) -> SandboxError {
        SandboxError(.badRequest, code: "INVALID_PARAMETER", "\(name): \(message)")
    }

    /// `limit` when the route knows it; the generic fallback does not.
    static func payloadTooLarge(limit: Int?) -> SandboxError {
        SandboxError(
            .contentTooLarge, code: "PAYLOAD_TOO_LARGE",
            limit.map { "Request body exceeds \($0) bytes" } ?? "Request body is too large")
    }

    static let notFound = SandboxError(.notFound, code: "NOT_FOUND", "No such endpoint")
    static let methodNotAllowed = SandboxError(.methodNotAllowed, code: "METHOD_NOT_ALLOWED", "Method not allowed")
    static let internalError = SandboxError(.internalServerError, code: "INTERNAL_ERROR", "The sandbox failed to answer")
}
