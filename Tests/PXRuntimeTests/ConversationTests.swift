import Foundation
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing

@Suite("px: reading conversations")
struct ConversationTests {
    @Test("list, get, unread and each read the sandbox's data with the API's field names")
    func reads() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                local page = px.conversations.list{ page_size = 5 }
                local first = px.conversations.get(page.data[1].id)
                local u = px.unread()
                local n, seen = 0, {}
                for c in px.conversations.each{ page_size = 7 } do
                  n = n + 1
                  assert(not seen[c.id], "repeated " .. c.id)
                  seen[c.id] = true
                end
                return #page.data, page.meta.per_page, page.meta.total, first.id == page.data[1].id, #first.messages > 0,
                       u.unread_count, n, math.type(page.meta.total)
                """)
            let total = try h.sandbox.database.counts().conversations
            #expect(values[0] == "5" && values[1] == "5")
            #expect(values[3] == "true" && values[4] == "true")
            #expect(values[5] == "4")
            // Every conversation of the studio once (the demo has one of another studio, never listed).
            #expect(Int(values[2]) == Int(values[6]))
            #expect(Int(values[6])! >= 20 && Int(values[6])! < total)
            #expect(values[7] == "integer")
        }
    }

    @Test("awaiting: conversations whose last word is the studio's, older than the duration")
    func awaiting() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                local waiting, recent, studio = 0, 0, 0
                for c in px.conversations.awaiting{ on = "client", older_than = "3d" } do waiting = waiting + 1 end
                for c in px.conversations.awaiting{ on = "client" } do recent = recent + 1 end
                for c in px.conversations.awaiting{ on = "studio" } do studio = studio + 1 end
                return waiting, recent, studio
                """)
            let waiting = Int(values[0])!, all = Int(values[1])!, studio = Int(values[2])!
            #expect(waiting > 0 && waiting <= all)
            #expect(studio > 0)
        }
    }

    @Test("API errors are tables with code, status and message, caught by pcall")
    func apiErrors() async throws {
        try await withHarness { h in
            let values = try await h.values("""
                local ok, err = pcall(px.conversations.get, "conv_NOSUCHTHING0")
                return ok, err.code, err.status, tostring(err):find("CONVERSATION_NOT_FOUND", 1, true) ~= nil
                """)
            #expect(values == ["false", "CONVERSATION_NOT_FOUND", "404", "true"])
            let error = await runError { try await h.run("\nlocal c = px.conversations.get('conv_NOSUCHTHING0')") }
            guard case .script(let message, let traceback) = error else { Issue.record("\(String(describing: error))"); return }
            #expect(message.contains("/script.lua:2: Conversation not found"))
            #expect(message.hasSuffix("(CONVERSATION_NOT_FOUND)"))
            #expect(traceback.contains("script.lua:2"))
        }
    }

    @Test("bad arguments are worded like Lua's own", arguments: [
        ("px.send(nil, 'hi')", "bad argument #1 to 'send' (string expected, got nil)"),
        ("px.send('conv_X')", "bad argument #2 to 'send' (string expected, got no value)"),
        ("px.conversations.list{ page = 'two' }", "bad argument #1 to 'list' (field 'page' must be an integer, got string)"),
        ("px.conversations.list{ pages = 2 }", "bad argument #1 to 'list' (unknown option 'pages' (did you mean 'page'?); expected one of client_id, message, message_status, page, page_size, per_page)"),
        ("for c in px.conversations.each(5) do end", "bad argument #1 to 'each' (table expected, got number)"),
        ("px.messages.send{ content = 'hi' }", "bad argument #1 to 'send' (field 'conversation_id' must be a string, got nil)"),
        ("px.once()", "bad argument #1 to 'once' (string expected, got no value)"),
        ("px.hours('Mon-Fri 9-5')", "bad argument #1 to 'hours' ('9-5' is not a span of time like 09:00-18:00)"),
        ("px.duration('soon')", "bad argument #1 to 'duration' ('soon' is not a duration like \"3d\", \"12h\", \"90m\" or \"1h30m\")"),
        ("px.log.info('%d', 'x')", "bad argument to 'log.info' (bad argument #2 to 'string.format' (number expected, got string))"),
    ])
    func badArguments(script: String, expected: String) async throws {
        try await withHarness { h in
            let error = await runError { try await h.run(script) }
            guard case .script(let message, _) = error else { Issue.record("\(String(describing: error))"); return }
            // Lua shortens long chunk names ("…/script.lua"), as in its own messages.
            #expect(message.hasSuffix("/script.lua:1: " + expected), "\(message)")
        }
    }
}
