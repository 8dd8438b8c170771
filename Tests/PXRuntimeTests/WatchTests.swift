import Foundation
import LuaKit
import PixiesetKit
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// A watched script on a sandbox: the real daemon (`WatchService`) on a virtual clock, stepped
/// one poll at a time (`DaemonDriver`) while clients write in.
struct WatchHarness {
    let studio: VirtualStudio
    let statePath: String
    var sandbox: RunningSandbox { studio.sandbox }
    var folder: URL { studio.folder }
    var log: LogCapture { studio.log }

    /// Starts a daemon for `script` (as a restarted daemon would: a fresh runtime on the state)
    /// and runs `body` with it; a script that does not load is the error thrown.
    /// - Parameter retryDelay: seconds before a failed handler's second try: one poll interval, so
    ///   each `cycle` sees one try.
    /// - Parameter api: how the daemon reaches the studio (default: the sandbox over loopback).
    func daemon(_ script: String, since: Date? = nil, retryDelay: Double = 30, maxAttempts: Int = 3, maxSends: Int = 200,
                timeZone: String = "UTC", api: APIConfiguration? = nil, _ body: (DaemonDriver) async throws -> Void) async throws {
        let path = folder.appendingPathComponent("autoreply.lua").path
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try await daemon(
            path: path, since: since, retryDelay: retryDelay, maxAttempts: maxAttempts, maxSends: maxSends, timeZone: timeZone, api: api, body)
    }

    /// The same for the script at `path` (an example of the repository).
    func daemon(path: String, since: Date? = nil, retryDelay: Double = 30, maxAttempts: Int = 3, maxSends: Int = 200,
                timeZone: String = "UTC", api: APIConfiguration? = nil, _ body: (DaemonDriver) async throws -> Void) async throws {
        var options = RuntimeOptions(scriptPath: path, maxSends: maxSends, timeZone: TimeZone(identifier: timeZone)!)
        options.watch = true
        var configuration = WatchService.Configuration(
            scripts: [WatchService.Script(path: path, options: options, statePath: statePath)],
            api: try api ?? APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie, retry: .fast),
            clock: RuntimeClock(virtual: studio.clock))
        configuration.since = since
        configuration.locksAccount = false
        configuration.maxAttempts = maxAttempts
        configuration.retryDelay = retryDelay
        let driver = DaemonDriver(clock: studio.clock, interval: configuration.interval)
        configuration.passed = { _, report in driver.record(report) }
        let task = WatchService(configuration, logger: log.logger).start()
        // It loads, polls once and goes to sleep (or ends: a script that does not load).
        await studio.clock.advance(to: studio.clock.now())
        do {
            try await body(driver)
        } catch {
            task.cancel()
            _ = try? await task.value
            throw error
        }
        task.cancel()
        try await task.value
    }

    func clientConversations(_ count: Int) throws -> [String] { try studio.clientConversations(count) }

    func studioMessages(in id: String) throws -> [String] { try studio.studioMessages(in: id).map(\.content) }
}

func withWatch(_ body: (WatchHarness) async throws -> Void) async throws {
    try await withVirtualStudio { studio in
        try await body(WatchHarness(studio: studio, statePath: studio.folder.appendingPathComponent("state.sqlite").path))
    }
}

@Suite("Watch: handlers answer each client message once")
struct WatchTests {
    static let autoreply = """
        px.on("message", function(event)
          if not event.answered then
            event:reply("Thanks " .. event.client.name .. ", I'll answer soon.")
          end
        end)
        """

    @Test("each new client message gets one reply; none to history, none after a restart")
    func replies() async throws {
        try await withWatch { w in
            let targets = try w.clientConversations(3)
            let before = try targets.map { try w.studioMessages(in: $0).count }
            try await w.daemon(Self.autoreply) { loop in
                let start = await loop.cycle()
                #expect(start.polled?.firstStart == true)
                for id in targets { _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "Are you free in June?") }
                let report = await loop.cycle()
                #expect(report.handled == 3)
                let again = await loop.cycle()
                #expect(again.handled == 0)
            }
            try await w.daemon(Self.autoreply) { loop in
                let restarted = await loop.cycle()
                #expect(restarted.handled == 0)
            }
            for (id, count) in zip(targets, before) {
                let studio = try w.studioMessages(in: id)
                #expect(studio.count == count + 1)
                #expect(studio.last?.hasPrefix("Thanks ") == true)
            }
        }
    }

    @Test("a send from the top level of a watched script is an error")
    func topLevelSend() async throws {
        try await withWatch { w in
            let error = await #expect(throws: RuntimeError.self) {
                try await w.daemon("px.send('conv_AAAAAAAAAAAA', 'hello')") { _ in }
            }
            #expect("\(String(describing: error))".contains("a send from the top level of a watched script"))
        }
    }

    @Test("a handler that fails then succeeds sends once; a once taken in the failed try is not consumed")
    func retry() async throws {
        try await withWatch { w in
            let script = """
                tries = 0
                px.on("message", function(event)
                  local first = px.once("greeted:" .. event.conversation.id, "7d")
                  px.store.set("seen", (px.store.get("seen") or 0) + 1)
                  tries = tries + 1
                  px.send(event.conversation.id, "Working on it (" .. tries .. ")")
                  if tries == 1 then error("the template server hiccuped") end
                  event:reply("Hello! first=" .. tostring(first))
                end)
                """
            let id = try w.clientConversations(1)[0]
            try await w.daemon(script) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "Hi!")
                let first = await loop.cycle()
                #expect(first.failed == 1 && first.handled == 0)
                let second = await loop.cycle()
                #expect(second.handled == 1)
            }
            let replies = try w.studioMessages(in: id).filter { $0.hasPrefix("Hello!") }
            #expect(replies == ["Hello! first=true"])
            // The send made before the failure is not repeated by the retry (keyed by event and ordinal).
            #expect(try w.studioMessages(in: id).filter { $0.hasPrefix("Working on it") } == ["Working on it (1)"])
            #expect(w.log.all.contains { $0.contains("the template server hiccuped") })
            let store = try StateStore(path: w.statePath)
            #expect(try store.kept.value(forKey: "seen") == "1")
        }
    }

    @Test("a handler that keeps failing is parked, and later events of its conversation wait until then")
    func parking() async throws {
        try await withWatch { w in
            let script = """
                px.on("message", function(event)
                  if event.message.content:find("boom") then error("cannot handle " .. event.message.content) end
                  event:reply("ok: " .. event.message.content)
                end)
                """
            let id = try w.clientConversations(1)[0]
            try await w.daemon(script, maxAttempts: 2) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "boom")
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "after")
                let first = await loop.cycle()
                #expect(first.failed == 1 && first.handled == 0)
                #expect(try w.studioMessages(in: id).contains("ok: after") == false)
                let second = await loop.cycle()
                #expect(second.parked == 1 && second.handled == 1)
            }
            #expect(try w.studioMessages(in: id).filter { $0.hasPrefix("ok: ") } == ["ok: after"])
            let parked = try StateStore(path: w.statePath).ledger.events(inState: .parked, limit: 5)
            #expect(parked.count == 1 && parked[0].reason?.contains("cannot handle boom") == true)
            #expect(parked[0].traceback?.contains("autoreply.lua:2") == true)
            let status = try StateStore(path: w.statePath).status(now: Date(), timeZone: .gmt, journalLimit: 5).text(cap: 200, path: w.statePath)
            #expect(status.contains("parked (failed handler; once the script is fixed, `pxscript retry --state") && status.contains("cannot handle boom"))
            // The watermark: the newest message the last poll saw, the reply to "after" (a minute in).
            #expect(status.contains("watch: answering messages since Sun 1 Mar 09:01 GMT"), "\(status)")
        }
    }

    @Test("examples/autoreply.lua acknowledges a new client once a week, with the price guide, and not when answered")
    func autoreplyExample() async throws {
        let path = ExampleTests.examples.appendingPathComponent("autoreply.lua").path
        try await withWatch { w in
            let targets = try w.clientConversations(2)
            try await w.daemon(path: path) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: targets[0], content: "Hello, are you free in May?")
                _ = try await w.sandbox.database.clientWritesIn(conversationID: targets[1], content: "Quick question")
                _ = try await w.sandbox.database.studioReplies(conversationID: targets[1], content: "Answered by hand")
                let first = await loop.cycle()
                #expect(first.handled == 2)
                // The same client again within the week: no second acknowledgement.
                _ = try await w.sandbox.database.clientWritesIn(conversationID: targets[0], content: "One more thing")
                let second = await loop.cycle()
                #expect(second.handled == 1)
            }
            #expect(try w.studioMessages(in: targets[0]).filter { $0.contains("price guide is attached") }.count == 1)
            #expect(try w.studioMessages(in: targets[1]).filter { $0.contains("price guide is attached") }.isEmpty)
        }
    }

    @Test("pause holds events back without using up their tries; resume answers them; the cap holds the rest for the next day")
    func pauseAndCap() async throws {
        try await withWatch { w in
            let targets = try w.clientConversations(3)
            try await w.daemon(Self.autoreply, maxAttempts: 1, maxSends: 1) { loop in
                _ = await loop.cycle()
                let store = try StateStore(path: w.statePath)
                try store.settings.setPaused(true, at: Date())
                _ = try await w.sandbox.database.clientWritesIn(conversationID: targets[0], content: "Paused?")
                for _ in 0..<3 {
                    let held = await loop.poll()
                    #expect(held.waiting == 1 && held.handled == 0 && held.parked == 0)
                }
                try store.settings.setPaused(false, at: Date())
                let resumed = await loop.poll()
                #expect(resumed.handled == 1)
                // The cap (1 a day) is used: the next client waits for tomorrow, not parked.
                _ = try await w.sandbox.database.clientWritesIn(conversationID: targets[1], content: "Capped?")
                let capped = await loop.cycle()
                #expect(capped.waiting == 1 && capped.parked == 0)
                #expect(w.log.all.contains { $0.contains("the daily send cap is reached") })
            }
            #expect(try w.studioMessages(in: targets[0]).filter { $0.hasPrefix("Thanks ") }.count == 1)
            #expect(try w.studioMessages(in: targets[1]).filter { $0.hasPrefix("Thanks ") }.isEmpty)
            let waiting = try StateStore(path: w.statePath).ledger.events(inState: .failed, limit: 5)
            #expect(waiting.map(\.reason) == ["cap"])
        }
    }

    @Test("examples/vacation.lua and after-hours.lua answer a client once, with the dates filled in", arguments: [
        ("vacation.lua", "I'm away until Monday 9 March"), ("after-hours.lua", "we'll answer Monday at 09:00"),
    ])
    func otherExamples(name: String, expected: String) async throws {
        // The harness runs in UTC at 2026-03-01T09:00Z: a Sunday, inside the example trip.
        let path = ExampleTests.examples.appendingPathComponent(name).path
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            try await w.daemon(path: path) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "Hello?")
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "Hello again?")
                _ = await loop.cycle()
            }
            let studio = try w.studioMessages(in: id)
            let replies = studio.filter { $0.contains(expected) }
            #expect(replies.count == 1, "\(studio.suffix(2))")
            #expect(replies.first?.hasSuffix("Maple & Light Photography") == true)
        }
    }

    @Test("--since reaches back, and max_age skips what is too old")
    func maxAge() async throws {
        try await withWatch { w in
            try await w.daemon(Self.autoreply, since: ISOTime.parse("2000-01-01T00:00:00Z")) { loop in
                let report = await loop.cycle()
                #expect(report.skipped > 0)
                #expect(report.handled + report.skipped == report.polled?.events.count)
            }
        }
    }
}
