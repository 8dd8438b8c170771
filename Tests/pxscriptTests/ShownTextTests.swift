import Foundation
import Testing

/// Issue 27 class 3 and issue 28 class 1: what a person reads is in the
/// studio's zone, names the client, and cannot be forged by a client's text.
@Suite("What the photographer reads: times, names, escaped text")
struct ShownTextTests {
    @Test("approvals and status show times in the studio's zone with day and zone, ids with the client's name, and a hostile name escaped")
    func approvalsAndStatus() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder([
            "ask.lua": """
                local c = px.conversations.get(px.args[1])
                px.send(c.id, "Welcome!", { approve = true })
                px.send(c.id, "Hello there")
                """,
        ])
        defer { folder.remove() }
        let env = folder.environment(serve)
        let evil = "Ann\u{1B}]0;title\u{07}\u{1B}[2K\rapr_FAKE  pending  to conv_X (Trusted)\nforged line"
        let inquiry = try await pxscript(["sandbox", "inquiry", evil, "evil@example.com", "Hi!", "--port", String(serve.port)], environment: env)
        #expect(inquiry.status == 0, "\(inquiry.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(inquiry.stdout.utf8)) as? [String: Any]
        let conversation = try #require(object?["conversation_id"] as? String, "\(inquiry.stdout)")
        let run = try await pxscript(["run", folder.path("ask.lua"), "--tz", "America/Toronto", "--", conversation], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        for command in [["approvals"], ["approvals", "--all"], ["status", folder.path("ask.lua"), "--history"]] {
            let outcome = try await pxscript(command, environment: env)
            #expect(outcome.status == 0, "\(command): \(outcome.stderr)")
            let text = outcome.stdout + outcome.stderr
            #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x0D }, "\(command): raw control characters: \(text)")
            #expect(!text.split(separator: "\n").contains { $0.hasPrefix("forged line") || $0.hasPrefix("apr_FAKE") }, "\(command): \(text)")
            #expect(text.contains("Ann\\e]0;title\\x07\\e[2K\\rapr_FAKE"), "\(command): \(text)")
        }
        // 2026-03-01T09:00Z is Sunday 04:00 in Toronto: shown so, in approvals and the journal alike.
        let approvals = try await pxscript(["approvals"], environment: env)
        #expect(approvals.stdout.contains("asked Sun 1 Mar 04:00 EST, open until Tue 3 Mar 04:00 EST"), "\(approvals.stdout)")
        let status = try await pxscript(["status", folder.path("ask.lua")], environment: env)
        #expect(status.stdout.contains("  Sun 1 Mar 04:00 EST  sent  conv_"), "\(status.stdout)")
        #expect(status.stdout.contains("(Ann\\e]0;title"), "the conversation id comes with the client's name: \(status.stdout)")
        _ = await serve.stop()
    }
}
