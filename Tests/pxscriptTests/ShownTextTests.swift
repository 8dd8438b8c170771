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
        let evil = "Ann\u{1B}]0;title\u{07}\u{1B}[2K\rapr_FAKE  pending  to conv_X (Trusted)\nforged line\u{9B}31m\u{202E}"
        let inquiry = try await pxscript(["sandbox", "inquiry", evil, "evil@example.com", "Hi!", "--port", String(serve.port)], environment: env)
        #expect(inquiry.status == 0, "\(inquiry.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(inquiry.stdout.utf8)) as? [String: Any]
        let conversation = try #require(object?["conversation_id"] as? String, "\(inquiry.stdout)")
        let run = try await pxscript(["run", folder.path("ask.lua"), "--tz", "America/Toronto", "--", conversation], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        let client = "local c = px.conversations.get(px.args[1])\nlocal name = '?'\nfor _, p in ipairs(c.participants) do if p.type == 'client' then name = p.name end end\n"
        try (client + "error('cannot greet ' .. name)\n").write(toFile: folder.path("boom.lua"), atomically: true, encoding: .utf8)
        try (client + "px.send(c.id, 'Dear ' .. name)\n").write(toFile: folder.path("plan.lua"), atomically: true, encoding: .utf8)
        // Every command that prints the client's words: lists, the journal, JSON, a dry run's plan, an error and its log.
        let commands: [([String], Int32)] = [
            (["approvals"], 0), (["approvals", "--all"], 0), (["status", folder.path("ask.lua"), "--history"], 0),
            (["status", folder.path("ask.lua"), "--json"], 0), (["run", folder.path("plan.lua"), "--dry-run", "--", conversation], 0),
            (["run", folder.path("boom.lua"), "--", conversation], 1), (["api", "GET", "/conversations/\(conversation)/"], 0),
        ]
        for (command, status) in commands {
            let outcome = try await pxscript(command, environment: env)
            #expect(outcome.status == status, "\(command): \(outcome.stderr)")
            let text = outcome.stdout + outcome.stderr
            #expect(!text.unicodeScalars.contains { [0x1B, 0x07, 0x0D, 0x9B, 0x202E].contains($0.value) }, "\(command): raw control characters: \(text)")
            if command.contains("--json") || command[0] == "api" { continue }
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

    @Test("pxscript test shows a scenario's name and what its script logged escaped, in text and TAP")
    func testOutput() async throws {
        let folder = try RunFolder([
            "hello.lua": "print('logged \\27[2J')\nreturn 1\n",
            "hello_test.lua": "px.test.scenario('evil \\27]0;title\\7 name', function(s) s:run('hello.lua') s:expect_sent(nil, { count = 1 }) end)\n",
        ])
        defer { folder.remove() }
        for format in [[], ["--format", "tap"]] {
            let outcome = try await pxscript(["test", folder.path("hello_test.lua")] + format, environment: folder.environment())
            let text = outcome.stdout + outcome.stderr
            #expect(outcome.status == 1, "\(text)")
            #expect(!text.unicodeScalars.contains { [0x1B, 0x07].contains($0.value) }, "\(format): \(text)")
            #expect(text.contains("evil \\e]0;title\\x07 name"), "\(format): \(text)")
        }
    }
}
