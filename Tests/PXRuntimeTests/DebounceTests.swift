import Foundation
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing

@Suite("Watch: debounce and waking between polls")
struct DebounceTests {
    /// Passes between polls, as the daemon makes them, until something is handled.
    func untilHandled(_ loop: DaemonDriver, after report: WatchLoop.Report) async throws -> WatchLoop.Report {
        var report = report
        for _ in 0..<20 where report.handled == 0 && report.failed == 0 {
            _ = try #require(report.wake, "nothing to wake for")
            report = await loop.advanceToWake(of: report)
        }
        return report
    }

    @Test("a burst of messages waits for the quiet period, then goes to one run with event.messages")
    func burst() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let script = """
                px.on("message", function(event)
                  local texts = {}
                  for _, m in ipairs(event.messages) do texts[#texts + 1] = m.content end
                  event:reply(#event.messages .. " new: " .. table.concat(texts, " | ") .. " (newest: " .. event.message.content .. ")")
                end, { debounce = "8s" })
                """
            try await w.daemon(script) { loop in
                _ = await loop.cycle()
                // The burst comes just before the next poll, which finds it inside its quiet period.
                _ = await loop.advance(by: 25)
                var newest = 0.0
                for text in ["Hi!", "Are you free", "on June 6?"] {
                    newest = try await w.sandbox.database.clientWritesIn(conversationID: id, content: text).sentAt.secondsSince1970
                }
                let early = await loop.cycle()
                #expect(early.handled == 0 && early.debouncing == 1)
                let wake = try #require(early.wake)
                #expect(abs(wake.timeIntervalSince1970 - (newest + 8)) < 0.001, "the wake is the end of the quiet period")
                let quiet = try await untilHandled(loop, after: early)
                #expect(quiet.handled == 1 && quiet.debouncing == 0)
                #expect(await loop.cycle().handled == 0)
            }
            let replies = try w.studioMessages(in: id).filter { $0.contains(" new: ") }
            #expect(replies == ["3 new: Hi! | Are you free | on June 6? (newest: on June 6?)"])
        }
    }

    @Test("a message during the quiet period restarts it; a retry that finds the burst grown still replies once")
    func grownBurst() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            // The first try replies, then fails: the retry's reply has the same key (the burst's first message).
            let script = """
                tries = 0
                px.on("message", function(event)
                  tries = tries + 1
                  event:reply("Got " .. #event.messages .. " (try " .. tries .. ")")
                  if tries == 1 then error("the calendar was unreachable") end
                end, { debounce = "2s" })
                """
            try await w.daemon(script, retryDelay: 45) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "First")
                let failed = try await untilHandled(loop, after: await loop.cycle())
                #expect(failed.failed == 1)
                // The client writes again just before the next poll, before the retry (45 s after the failure).
                _ = await loop.advance(by: 29)
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "Second")
                let waiting = await loop.cycle()
                #expect(waiting.handled == 0)
                let done = try await untilHandled(loop, after: waiting)
                #expect(done.handled == 1)
            }
            #expect(try w.studioMessages(in: id).filter { $0.hasPrefix("Got ") } == ["Got 1 (try 1)"])
            let journal = try StateStore(path: w.statePath).journal.tail(limit: 20).map(\.kind)
            #expect(journal.contains("failed") && journal.last == "handled", "\(journal)")
        }
    }

    @Test("handlers of one script share one debounce; the refusal names the other handler")
    func mixedDebounce() async throws {
        try await withWatch { w in
            let error = await #expect(throws: RuntimeError.self) {
                try await w.daemon("""
                    px.on("message", function() end, { debounce = "2m" })
                    px.on("message", function() end)
                    """) { _ in }
            }
            let text = "\(String(describing: error))"
            #expect(text.contains(
                "autoreply.lua:2: bad argument #3 to 'on' (every message handler of a script waits for the same debounce: this one asks for 0s, the one at "))
            #expect(text.contains("autoreply.lua:1 for 2m)"))
        }
    }

    @Test("the report asks to wake for the next schedule and for a retry, before the next poll")
    func wake() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let script = """
                px.every("1h", function() end)
                px.on("message", function(event) error("not yet") end)
                """
            try await w.daemon(script, retryDelay: 30) { loop in
                // The hourly schedule counts from start-up: that is the first wake.
                let first = await loop.cycle()
                let wake = try #require(first.wake)
                #expect(wake.timeIntervalSince(loop.clock.now()) > 3500 && wake.timeIntervalSince(loop.clock.now()) <= 3600)
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "Hello")
                let failed = await loop.cycle()
                #expect(failed.failed == 1)
                // The retry is 30 s away, before the schedule: that is when the daemon wakes.
                let retry = try #require(failed.wake)
                let delay = retry.timeIntervalSince(loop.clock.now())
                #expect(delay > 20 && delay <= 30)
            }
        }
    }
}
