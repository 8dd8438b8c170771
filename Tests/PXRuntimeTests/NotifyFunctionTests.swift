import Foundation
import PixiesetKit
import PXConfig
import PXNotify
import PXRuntime
@testable import PXState
import Testing
import TestSupport

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
            #expect(try store.notices.recent().count == 20)
            #expect(try store.notices.recent().first?.notice.title == "pxscript: script.lua")
            #expect(try store.journal.tail(limit: 50).filter { $0.kind == JournalKind.notificationDropped.rawValue }.count == 5)
            // A dry run posts nothing (its state is a throw-away copy) and says what it would send.
            try await h.run("px.notify('from a dry run')", dryRun: true)
            #expect(try store.notices.recent().count == 20)
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
                await notifying.notifier.finishRun(on: store, error: nil, maxSends: 200, at: Date())
                #expect(receiver.delivered == [#"{"text":"Morning digest\n3 clients wait"}"#])
                #expect(try store.notices.recent().last?.deliveries == ["delivered"])
                // A run stopped at the cap notifies once; the next run that ends well clears it.
                let capped = await runError {
                    try await h.run("for c in px.conversations.each{} do px.send(c.id, 'hello') end", maxSends: 1, notifier: notifying.notifier)
                }
                guard case .sendCap? = capped else { Issue.record("expected the cap, got \(String(describing: capped))"); return }
                await notifying.notifier.finishRun(on: store, error: capped, maxSends: 1, at: Date())
                await notifying.notifier.finishRun(on: store, error: capped, maxSends: 1, at: Date())
                await notifying.notifier.finishRun(on: store, error: nil, maxSends: 1, at: Date())
                await notifying.close()
                #expect(receiver.delivered.dropFirst() == [
                    #"{"text":"pxscript: the daily send cap (1) is reached\nReplies and sends wait for tomorrow. Raise it with --max-sends or max_sends in config.toml."}"#,
                    #"{"text":"pxscript: sends go out again (a new day under the send cap)"}"#,
                ])
                // With no [notify] table, a notice is recorded for nobody.
                try await h.run("px.notify('nobody hears this')")
                #expect(try store.notices.recent().last?.deliveries == [])
            }
        }
    }
}

/// Every Lua example of docs/notifications.md runs: `lua` blocks as a dry run, `lua watch` blocks under a daemon.
@Suite("docs/notifications.md examples run")
struct NotificationsDocTests {
    static func blocks(fence: String) throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/notifications.md"), encoding: .utf8)
        var blocks: [String] = [], current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == fence { current = [] } else if line.hasPrefix("```"), let block = current {
                blocks.append(block.joined(separator: "\n"))
                current = nil
            } else if current != nil { current?.append(line) }
        }
        return blocks
    }

    @Test("the run examples notify (recorded: no target in a test)")
    func runExamples() async throws {
        let blocks = try Self.blocks(fence: "```lua")
        #expect(blocks.count >= 1)
        try await withHarness { h in
            for (number, block) in blocks.enumerated() {
                try await h.run(block, name: "example\(number + 1).lua")
            }
            let store = try h.state()
            defer { try? store.close() }
            #expect(try store.notices.recent().map(\.notice.title).contains("Morning digest"))
        }
    }

    @Test("the watch example sends its digest on a weekday at 08:00")
    func watchExamples() async throws {
        let blocks = try Self.blocks(fence: "```lua watch")
        #expect(blocks.count >= 1)
        for block in blocks {
            try await withVirtualStudio { studio in
                try await studio.daemon([("digest.lua", block)]) {
                    // testNow is a Sunday, 09:00 UTC: Monday 08:00 is 23 hours on.
                    await studio.advance(by: 23 * 3_600 + 60)
                }
                let store = try StateStore(path: studio.statePath("digest.lua"))
                defer { try? store.close() }
                #expect(try store.notices.recent().map(\.notice.title) == ["Good morning"])
            }
        }
    }
}
