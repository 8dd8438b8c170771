import Foundation
import NIOHTTP1
import PixiesetModels
import StudioSandbox
import Testing

@Suite("Attachments: upload grant, signed upload, download")
struct UploadTests {
    static let pdf = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })

    func grant(_ wire: Wire, size: Int = UploadTests.pdf.count, type: String = "application/pdf", name: String = "price-guide.pdf") async throws -> UploadGrant {
        let reply = try await wire.get(
            "/api/v1/conversation_message_attachments/upload_url?filename=\(name)&content_type=\(type)&file_size=\(size)")
        #expect(reply.status == 200, "\(reply.text)")
        return try reply.decode(Envelope<UploadGrant>.self).data
    }

    func upload(_ wire: Wire, _ grant: UploadGrant, fields: [UploadField]? = nil, file: Data? = UploadTests.pdf, body: Data? = nil) async throws -> Reply {
        let payload = body ?? multipartBody(fields: fields ?? grant.uploadFields, file: file)
        return try await wire.send(
            .POST, grant.uploadURL, body: payload, contentType: "multipart/form-data; boundary=pxscriptBoundary42", cookie: nil)
    }

    @Test("grant, upload, attach, download: byte for byte")
    func roundTrip() async throws {
        try await withSandbox { sandbox, wire in
            let grant = try await grant(wire)
            #expect(grant.attachmentID.hasPrefix("att_"))
            #expect(grant.method == "POST")
            #expect(grant.uploadURL.hasPrefix(sandbox.origin) && !grant.uploadURL.contains("/api/v1"))
            #expect(Set(grant.uploadFields.map(\.name)).isSuperset(of: ["key", "Content-Type", "policy", "x-amz-signature"]))
            let uploaded = try await upload(wire, grant)
            #expect(uploaded.status == 204, "\(uploaded.text)")
            let conversation = try #require(try await wire.allConversations().first?.id)
            let sent = try await wire.send(conversation, "Here is our price guide", attachments: [grant.attachmentID])
            #expect(sent.status == 201, "\(sent.text)")
            let message = try sent.decode(Envelope<Message>.self).data
            let attachment = try #require(message.attachments.first)
            #expect(attachment.id == grant.attachmentID)
            #expect(attachment.filename == "price-guide.pdf")
            #expect(attachment.fileSize == UploadTests.pdf.count)
            #expect(attachment.contentType == "application/pdf")
            let download = try await wire.send(.GET, try #require(attachment.url), body: nil, contentType: nil, cookie: nil)
            #expect(download.status == 200)
            #expect(download.body == UploadTests.pdf)
            #expect(download.headers.first(name: "Content-Type") == "application/pdf")
            #expect(sandbox.controls.storageRequestsWithCookie == 0)
        }
    }

    @Test("attachments alone may be sent without text")
    func attachmentOnly() async throws {
        try await withSandbox { _, wire in
            let grant = try await grant(wire)
            #expect(try await upload(wire, grant).status == 204)
            let id = try #require(try await wire.allConversations().first?.id)
            #expect(try await wire.send(id, "", attachments: [grant.attachmentID]).status == 201)
        }
    }

    @Test("a forged signature or an edited policy field is refused")
    func forged() async throws {
        try await withSandbox { sandbox, wire in
            let grant = try await grant(wire)
            var forged = grant.uploadFields
            forged[forged.firstIndex { $0.name == "x-amz-signature" }!].value = String(repeating: "ab", count: 32)
            let reply = try await upload(wire, grant, fields: forged)
            #expect(reply.status == 403 && reply.code == "SIGNATURE_DOES_NOT_MATCH")
            var swapped = grant.uploadFields
            swapped[swapped.firstIndex { $0.name == "Content-Type" }!].value = "text/plain"
            let edited = try await upload(wire, grant, fields: swapped)
            #expect(edited.status == 403 && edited.code == "POLICY_CONDITION_FAILED")
            var missing = grant.uploadFields
            missing.removeAll { $0.name == "policy" }
            #expect(try await upload(wire, grant, fields: missing).code == "INVALID_UPLOAD")
            // The attachment is still not usable.
            let id = try #require(try await wire.allConversations().first?.id)
            let sent = try await wire.send(id, "x", attachments: [grant.attachmentID])
            #expect(sent.status == 422 && sent.code == "ATTACHMENT_NOT_UPLOADED")
            #expect(try sandbox.database.uploadedBytes(of: grant.attachmentID) == nil)
        }
    }

    @Test("an expired grant is refused")
    func expired() async throws {
        let clock = ManualClock(start: testStart)
        try await withSandbox(clock: clock) { _, wire in
            let grant = try await grant(wire)
            clock.advance(seconds: 16 * 60)
            let reply = try await upload(wire, grant)
            #expect(reply.status == 403 && reply.code == "POLICY_EXPIRED")
        }
    }

    @Test("declared size is enforced, the file comes last, the body is complete")
    func formRules() async throws {
        try await withSandbox { _, wire in
            let grant = try await grant(wire)
            let short = try await upload(wire, grant, file: UploadTests.pdf.prefix(100))
            #expect(short.status == 400 && short.code == "SIZE_MISMATCH")
            var fileFirst = Data("--pxscriptBoundary42\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n".utf8)
            fileFirst.append(UploadTests.pdf)
            fileFirst.append(Data("\r\n".utf8))
            let rest = multipartBody(fields: grant.uploadFields, file: nil)
            fileFirst.append(rest)
            let wrongOrder = try await upload(wire, grant, body: fileFirst)
            #expect(wrongOrder.status == 400 && wrongOrder.code == "INVALID_UPLOAD")
            let full = multipartBody(fields: grant.uploadFields, file: UploadTests.pdf)
            let truncated = try await upload(wire, grant, body: full.prefix(full.count - 300))
            #expect(truncated.status == 400 && truncated.code == "INVALID_UPLOAD")
            let noFile = try await upload(wire, grant, file: nil)
            #expect(noFile.status == 400 && noFile.code == "INVALID_UPLOAD")
            let notMultipart = try await wire.send(.POST, grant.uploadURL, body: Data("x".utf8), contentType: "text/plain", cookie: nil)
            #expect(notMultipart.status == 400 && notMultipart.code == "INVALID_UPLOAD")
            // After all that, the real upload still works, once.
            #expect(try await upload(wire, grant).status == 204)
            let again = try await upload(wire, grant)
            #expect(again.status == 409 && again.code == "ALREADY_UPLOADED")
        }
    }

    @Test("over 10 MiB: 413 FILE_TOO_LARGE with max_size, exactly as the seed")
    func tooLarge() async throws {
        try await withSandbox { sandbox, wire in
            let before = try sandbox.database.counts()
            let reply = try await wire.get(
                "/api/v1/conversation_message_attachments/upload_url?filename=big.zip&content_type=application/zip&file_size=10485761")
            #expect(reply.status == 413)
            #expect(try reply.json() as NSDictionary == [
                "error": "File size exceeds maximum allowed", "code": "FILE_TOO_LARGE", "max_size": 10_485_760,
            ])
            #expect(try sandbox.database.counts() == before)
            let atLimit = try await wire.get(
                "/api/v1/conversation_message_attachments/upload_url?filename=big.zip&content_type=application/zip&file_size=10485760")
            #expect(atLimit.status == 200)
        }
    }

    @Test("bad grant requests", arguments: [
        ("filename=a.pdf&content_type=application/pdf", 400, "INVALID_PARAMETER"),
        ("filename=a.pdf&content_type=application/pdf&file_size=0", 400, "INVALID_PARAMETER"),
        ("filename=a.pdf&content_type=application/pdf&file_size=ten", 400, "INVALID_PARAMETER"),
        ("filename=..%2Fetc%2Fpasswd&content_type=application/pdf&file_size=10", 400, "INVALID_PARAMETER"),
        ("filename=a.exe&content_type=application/x-msdownload&file_size=10", 415, "UNSUPPORTED_FILE_TYPE"),
        ("content_type=application/pdf&file_size=10", 400, "INVALID_PARAMETER"),
    ])
    func badGrants(query: String, status: Int, code: String) async throws {
        try await withSandbox { _, wire in
            let reply = try await wire.get("/api/v1/conversation_message_attachments/upload_url?\(query)")
            #expect(reply.status == status)
            #expect(reply.code == code)
        }
    }

    @Test("an attachment goes on one message only; unknown ids are refused")
    func reuse() async throws {
        try await withSandbox { sandbox, wire in
            let grant = try await grant(wire)
            #expect(try await upload(wire, grant).status == 204)
            let ids = try await wire.allConversations().prefix(2).map(\.id)
            #expect(try await wire.send(ids[0], "first", attachments: [grant.attachmentID]).status == 201)
            let before = try sandbox.database.counts()
            let reused = try await wire.send(ids[1], "second", attachments: [grant.attachmentID])
            #expect(reused.status == 409 && reused.code == "ATTACHMENT_ALREADY_USED")
            let unknown = try await wire.send(ids[1], "third", attachments: ["att_NOSUCHTHING"])
            #expect(unknown.status == 422 && unknown.code == "ATTACHMENT_NOT_FOUND")
            #expect(try sandbox.database.counts() == before)
        }
    }

    @Test("downloads of unknown attachments are 404; the cookie sent to storage is noticed")
    func downloads() async throws {
        try await withSandbox { sandbox, wire in
            let missing = try await wire.send(.GET, sandbox.origin + "/storage/attachments/att_NOPE/x.pdf", body: nil, contentType: nil, cookie: nil)
            #expect(missing.status == 404 && missing.code == "ATTACHMENT_NOT_FOUND")
            _ = try await wire.send(.GET, sandbox.origin + "/storage/attachments/att_NOPE/x.pdf", body: nil, contentType: nil, cookie: sandbox.cookie)
            #expect(sandbox.controls.storageRequestsWithCookie == 1)
        }
    }
}
