import Foundation
import Testing

@Suite("pxscript sandbox")
struct SandboxCommandTests {
    func firstConversation(port: Int) async throws -> String {
        // The demo data is dated from PXSCRIPT_NOW; any conversation will do.
        let outcome = try await pxscript(["sandbox", "inquiry", "Test Client", "test@example.com", "Hello?", "--port", "\(port)"])
        try #require(outcome.status == 0, "\(outcome.stderr)")
        let message = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        return try #require(message["conversation_id"] as? String)
    }

    @Test("serve prints URL and cookie; the simulations print what they made; SIGTERM stops it cleanly")
    func serveAndSimulate() async throws {
        let serve = try await ServeProcess()
        let conversation = try await firstConversation(port: serve.port)

        let message = try await pxscript(["sandbox", "message", conversation, "When can we book?", "--port", "\(serve.port)"])
        #expect(message.status == 0)
        let written = try #require(try JSONSerialization.jsonObject(with: Data(message.stdout.utf8)) as? [String: Any])
        #expect(written["content"] as? String == "When can we book?")
        #expect(written["sender_type"] as? String == "client")
        #expect((written["id"] as? String)?.hasPrefix("msg_") == true)
        #expect(message.stdout.split(separator: "\n").count == 1, "compact JSON in a pipe")

        let reply = try await pxscript(["sandbox", "reply", conversation, "Next Tuesday works!", "--port", "\(serve.port)"])
        #expect(reply.status == 0)
        #expect(reply.stdout.contains("\"sender_type\":\"photographer\""))

        let read = try await pxscript(["sandbox", "read", conversation, "--port", "\(serve.port)"])
        #expect(read.status == 0)
        #expect(read.stdout.contains("\"conversation_id\":\"\(conversation)\""))

        let direct = try await pxscript(["sandbox", "message", conversation, "Written to the file", "--db", serve.database])
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(direct.stdout.contains("Written to the file"))

        #expect(await serve.stop() == 0)
    }

    @Test("exit codes: usage 64, missing database 66, nobody listening 69, unknown conversation 1")
    func exitCodes() async throws {
        let both = try await pxscript(["sandbox", "message", "conv_A", "hi", "--port", "1", "--db", "x.sqlite"])
        #expect(both.status == 64)
        let missing = try await pxscript(["sandbox", "message", "conv_A", "hi", "--db", "/nonexistent/dir/db.sqlite"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("no sandbox database"))
        let nobody = try await pxscript(["sandbox", "read", "conv_A", "--port", "1"])
        #expect(nobody.status == 69)
        #expect(nobody.stderr.contains("no sandbox answers"))
        let serve = try await ServeProcess()
        let unknown = try await pxscript(["sandbox", "message", "conv_NOPE", "hi", "--port", "\(serve.port)"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "error: Conversation not found (CONVERSATION_NOT_FOUND)\n")
        let slashes = try await pxscript(["sandbox", "message", "../../api/v1/conversations", "hi", "--port", "\(serve.port)"])
        #expect(slashes.status == 1)
        _ = await serve.stop()
    }

    @Test("bad serve options are one clear line, never a crash", arguments: [
        (["--faults", "error=7"], "--faults"), (["--quirks", "laggy"], "--quirks"), (["--seed", "lots"], "--seed"),
        (["--cookie", "nonsense"], "--cookie"),
    ])
    func badOptions(arguments: [String], mention: String) async throws {
        let outcome = try await pxscript(["sandbox", "serve", "--port", "0"] + arguments)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.hasPrefix("error: ") && outcome.stderr.contains(mention))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
    }

    @Test("PXSCRIPT_NOW must be an ISO 8601 time")
    func badNow() async throws {
        let outcome = try await pxscript(["sandbox", "serve", "--port", "0"], environment: ["PXSCRIPT_NOW": "next tuesday"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("PXSCRIPT_NOW"))
    }

    @Test("a foreign database file is refused and left as it was")
    func foreignDatabase() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("foreign-\(UUID().uuidString).sqlite").path
        let bytes = Data("this is not a database at all, but 100 bytes of text ........................................".utf8)
        try bytes.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try await pxscript(["sandbox", "serve", "--port", "0", "--db", path])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains(path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    }
}
