import HTTPTypes
import Foundation
import GRDB
import PixiesetModels

/// An attachment the studio asked to upload, before or after the upload.
struct AttachmentRecord: Sendable {
    var id: String
    var filename: String
    var contentType: String
    var fileSize: Int
    var expiresAt: Int64
    var uploaded: Bool

    init(row: Row) {
        id = row["id"]
        filename = row["filename"]
        contentType = row["content_type"]
        fileSize = row["file_size"]
        expiresAt = row["expires_at"]
        uploaded = (row["uploaded_at"] as Int64?) != nil
    }
}

extension SandboxDatabase {
    /// Seconds an upload grant stays valid.
    static let uploadGrantLifetime: Int64 = 15 * 60

    /// Records a pending attachment for an upload grant.
    func createUpload(filename: String, contentType: String, fileSize: Int) async throws -> AttachmentRecord {
        try await pool.write { db in
            let now = clock.now().microseconds
            let id = ids.make(.attachment)
            try db.execute(
                sql: """
                    INSERT INTO attachment (id, studio_id, filename, content_type, file_size, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, studio.id, filename, contentType, fileSize, now, now + Self.uploadGrantLifetime * 1_000_000])
            return try attachmentRecord(db, id: id)
        }
    }

    /// The pending or uploaded attachment `id`, if it exists.
    func attachmentRecord(id: String) throws -> AttachmentRecord? {
        guard ResourceID.attachment.isValid(id) else { return nil }
        // Not async, as every read of the sandbox: GRDB's async read keeps its reader until the awaiting
        // task resumes, and two cooperative threads waiting in synchronous reads would never let it.
        return try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM attachment WHERE id = ?", arguments: [id]).map(AttachmentRecord.init(row:))
        }
    }

    /// Stores the bytes of an upload; refused when it was already uploaded.
    func completeUpload(id: String, data: Data) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE attachment SET data = ?, uploaded_at = ? WHERE id = ? AND uploaded_at IS NULL",
                arguments: [data, clock.now().microseconds, id])
            guard db.changesCount == 1 else {
                throw SandboxError(.conflict, code: "ALREADY_UPLOADED", "This attachment was already uploaded")
            }
        }
    }

    /// The bytes of an uploaded attachment, for downloads.
    func download(id: String) throws -> (AttachmentRecord, Data) {
        guard ResourceID.attachment.isValid(id) else { throw SandboxError.attachmentNotFound }
        return try pool.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT * FROM attachment WHERE id = ? AND uploaded_at IS NOT NULL", arguments: [id]),
                let data = row["data"] as Data?
            else { throw SandboxError.attachmentNotFound }
            return (AttachmentRecord(row: row), data)
        }
    }

    /// Checks that an attachment can go on a new message: it exists, belongs
    /// to the studio, was uploaded, and is not on another message yet.
    func checkAttachable(_ db: Database, id: String) throws {
        guard ResourceID.attachment.isValid(id),
              let row = try Row.fetchOne(db, sql: "SELECT * FROM attachment WHERE id = ?", arguments: [id]),
              (row["studio_id"] as String) == studio.id
        else {
            throw SandboxError(.unprocessableContent, code: "ATTACHMENT_NOT_FOUND", "Attachment \(id.prefix(64)) not found")
        }
        guard (row["uploaded_at"] as Int64?) != nil else {
            throw SandboxError(.unprocessableContent, code: "ATTACHMENT_NOT_UPLOADED", "Attachment \(id) was never uploaded")
        }
        guard (row["message_id"] as String?) == nil else {
            throw SandboxError(.conflict, code: "ATTACHMENT_ALREADY_USED", "Attachment \(id) is already on another message")
        }
    }

    private func attachmentRecord(_ db: Database, id: String) throws -> AttachmentRecord {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM attachment WHERE id = ?", arguments: [id]) else {
            throw SandboxError.internalError
        }
        return AttachmentRecord(row: row)
    }
}
