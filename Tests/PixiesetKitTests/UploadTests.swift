import Foundation
import PixiesetKit
import PixiesetModels
import StudioSandbox
import Testing

@Suite("Uploads")
struct UploadTests {
    @Test("upload, attach, download: byte for byte; no cookie to the upload host")
    func roundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("Spring Minis 2026.pdf")
            let bytes = Data((0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) })
            try bytes.write(to: file)
            try await withClient { sandbox, client in
                let attachment = try await client.upload(fileAt: file.path)
                #expect(attachment.filename == "Spring Minis 2026.pdf" && attachment.contentType == "application/pdf")
                #expect(attachment.size == bytes.count)
                let id = try #require(try sandbox.database.conversationIDs(ofStudio: "st_HOME").first)
                let message = try await client.send(SendIntent(
                    conversationID: id, content: "Details attached", attachmentIDs: [attachment.id],
                    attachmentNames: [attachment.filename]), now: sandboxNow).message
                #expect(try sandbox.database.uploadedBytes(of: attachment.id) == bytes)
                #expect(message.attachments.first?.filename == "Spring Minis 2026.pdf")
                #expect(sandbox.controls.storageRequestsWithCookie == 0)
            }
        }
    }

    @Test("uploads survive a flaky storage-side API")
    func flaky() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("notes.txt")
            try Data("hello".utf8).write(to: file)
            try await withClient(faults: "error=0.4,seed=9") { sandbox, client in
                let attachment = try await client.upload(fileAt: file.path)
                #expect(attachment.contentType == "text/plain")
                #expect(try sandbox.database.uploadedBytes(of: attachment.id) == Data("hello".utf8))
            }
        }
    }

    @Test("too large, missing, empty or a folder: refused before any request")
    func refusedLocally() async throws {
        try await withTemporaryDirectory { directory in
            let big = directory.appendingPathComponent("huge.zip")
            _ = FileManager.default.createFile(atPath: big.path, contents: nil)
            let handle = try FileHandle(forWritingTo: big)
            try handle.truncate(atOffset: UInt64(PixiesetClient.maximumAttachmentSize + 1))
            try handle.close()
            let empty = directory.appendingPathComponent("empty.pdf")
            _ = FileManager.default.createFile(atPath: empty.path, contents: Data())
            try await withClient { sandbox, client in
                let before = try sandbox.database.counts()
                for path in [big.path, empty.path, directory.path, directory.appendingPathComponent("nope.pdf").path] {
                    let error = await pixiesetError { _ = try await client.upload(fileAt: path) }
                    guard case .file(path, _) = error else { Issue.record("\(String(describing: error))"); continue }
                }
                let tooBig = await pixiesetError { _ = try await client.upload(fileAt: big.path) }
                #expect(tooBig?.description.contains("10 MB") == true)
                #expect(try sandbox.database.counts() == before, "no grant was asked for")
            }
        }
    }

    @Test("a type the server refuses is its API error")
    func unsupportedType() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("setup.exe")
            try Data("MZ".utf8).write(to: file)
            try await withClient { _, client in
                let error = await pixiesetError { _ = try await client.upload(fileAt: file.path) }
                guard case .api(let api) = error else { Issue.record("\(String(describing: error))"); return }
                #expect(api.code == "UNSUPPORTED_FILE_TYPE" && api.status == 415)
            }
        }
    }
}
