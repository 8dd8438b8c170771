import Foundation
import PXNotify
import PXRuntime
import PixiesetKit
import TestSupport
import Testing

/// `px.notify` in a run: argument checks, the hourly limit, dry runs (issue 20).
@Suite("px.notify")
struct NotifyFunctionTests {
    @Test("checks its arguments like Lua's own library")
    func arguments() async throws {
        try await withHarness { h in
            let cases: [(String, String)] = [
                ("px.notify()", "bad argument #1 to 'notify' (string expected, got no value)"),
                ("px.notify({})", "bad argument #1 to 'notify' (string expected, got table)"),
                ("px.notify('  ')", "bad argument #1 to 'notify' (text expected, got an empty string)"),
                ("px.notify(string.rep('x', 4001))", "bad argument #1 to 'notify' (at most 4000 bytes, got 4001)"),
                ("px.notify('hi', 3)", "bad argument #2 to 'notify' (table expected, got number)"),
                ("px.notify('hi', { colour = 'red' })", "bad argument #2 to 'notify' (unknown option 'colour'; expected one of title)"),
                ("px.notify('hi', { title = 'a\\nb' })", "bad argument #2 to 'notify' (field 'title' must be one line of at most 200 bytes)"),
            ]
            for (script, message) in cases {
                let error = await runError { try await h.run(script) }
                #expect(error?.description.contains(message) == true, "\(script): \(String(describing: error))")
            }
        }
    }

    @Test("at most 20 an hour per script: the rest return false and are journalled; a dry run records nothing to deliver")
    func hourlyLimit() async throws {
        try await withHarness { h in
            let script = """
                local posted = 0
                for i = 1, 25 do if px.notify("note " .. i) then posted = posted + 1 end end
                return posted
                """
            #expect(try await h.values(script) == ["20"])
            let store = try h.state()
            defer { try? store.close() }
            #expect(try store.notices().count == 20)
            #expect(try store.notices().first?.notice.title == "pxscript: script.lua")
            #expect(try store.journalTail(limit: 50).filter { $0.kind == JournalKind.notificationDropped.rawValue }.count == 5)
            // A dry run posts nothing (its state is a throw-away copy) and says what it would send.
            try await h.run("px.notify('from a dry run')", dryRun: true)
            #expect(try store.notices().count == 20)
            #expect(h.log.all.contains { $0.contains("(dry run) would notify: pxscript: script.lua: from a dry run") })
        }
    }

    @Test("a run's notices are delivered before the command ends, through every target; with none configured they are only recorded")
    func deliveredAfterRun() async throws {
        try await withWebhook { receiver, base in
            try await withHarness { h in
                let notifying = Notifying([.webhook(url: base + "/hook", format: .text)], log: h.log)
                try await h.run("px.notify('3 clients wait', { title = 'Morning digest' })", notifier: notifying.notifier)
                let store = try h.state()
                defer { try? store.close() }
                await notifying.notifier.finishRun(on: store, error: nil, at: Date())
                await notifying.close()
                #expect(receiver.delivered == [#"{"text":"Morning digest\n3 clients wait"}"#])
                #expect(try store.notices().last?.deliveries == ["delivered"])
                // With no [notify] table, a notice is recorded for nobody.
                try await h.run("px.notify('nobody hears this')")
                #expect(try store.notices().last?.deliveries == [])
            }
        }
    }
}
