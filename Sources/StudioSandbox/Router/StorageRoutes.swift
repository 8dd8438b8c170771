import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PixiesetModels

/// The storage host's side: signed uploads and attachment downloads.
/// Neither needs the session cookie, as with a real object store.
enum StorageRoutes {
    static let uploadPath = "/storage/upload"
    /// The file plus room for the form fields.
    static let maximumUploadBody = UploadRequest.maximumFileSize + 64 * 1024

    static func add<Context: RequestContext>(to router: Router<Context>, environment env: SandboxEnvironment) {
        let storage = router.group("storage")
            .add(middleware: CookieWatchMiddleware(session: env.session, controls: env.controls))

        storage.post("upload") { request, _ in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maximumUploadBody)
            } catch is NIOTooManyBytesError {
                throw SandboxError.fileTooLarge(max: UploadRequest.maximumFileSize)
            }
            let form = try UploadForm(body: body, contentType: request.headers[.contentType])
            try await accept(form, environment: env)
            return Response(status: .noContent)
        }

        storage.get("attachments/:id/:filename") { _, context in
            let (record, data) = try env.database.download(id: context.parameters.get("id") ?? "")
            guard context.parameters.get("filename") == record.filename else { throw SandboxError.attachmentNotFound }
            return Response(
                status: .ok,
                headers: [.contentType: record.contentType, .contentLength: String(data.count)],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Checks a signed upload against its policy and stores the file.
    static func accept(_ form: UploadForm, environment env: SandboxEnvironment) async throws {
        for name in ["key", "Content-Type", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"]
        where form.fields[name] == nil {
            throw UploadForm.invalid("missing form field '\(name)'")
        }
        let policy = try env.signer.verify(policy: form.fields["policy"] ?? "", signature: form.fields["x-amz-signature"] ?? "")
        guard let expiry = Timestamp(parsing: policy.expiration), env.database.clock.now() < expiry else {
            throw SandboxError(.forbidden, code: "POLICY_EXPIRED", "The upload policy has expired; ask for a new upload URL")
        }
        guard form.fields["key"] == policy.key, form.fields["Content-Type"] == policy.contentType else {
            throw SandboxError(.forbidden, code: "POLICY_CONDITION_FAILED", "The form fields do not match the signed policy")
        }
        guard let file = form.fileBytes, file.readableBytes == policy.contentLength else {
            throw SandboxError(
                .badRequest, code: "SIZE_MISMATCH",
                "The file is \(form.fileBytes?.readableBytes ?? 0) bytes; the upload URL was granted for \(policy.contentLength)")
        }
        guard let record = try env.database.attachmentRecord(id: policy.attachmentID), !record.uploaded else {
            throw SandboxError(.conflict, code: "ALREADY_UPLOADED", "This attachment was already uploaded")
        }
        try await env.database.completeUpload(id: record.id, data: Data(file.readableBytesView))
    }
}

/// Notes storage requests that carry the session cookie (it must never
/// leave the API host), so tests can prove a client does not leak it.
struct CookieWatchMiddleware<Context: RequestContext>: RouterMiddleware {
    let session: SessionCookie
    let controls: SandboxControls

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if session.isPresent(in: request) { controls.noteCookieOnStorage() }
        return try await next(request, context)
    }
}
