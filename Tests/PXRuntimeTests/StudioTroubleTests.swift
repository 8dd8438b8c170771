import Foundation
import PixiesetKit
import PXRuntime
@testable import PXState
import StudioSandbox
import Synchronization
import Testing
import TestSupport

/// The sandbox answering in process, except for what `trouble` picks: the studio's passing faults,
/// one kind at a time, that a test turns on and off between the daemon's passes.
final class TroubledStudio: InProcessStudio {
    enum Trouble: Sendable {
        case none, sendsFail, readsCutShort
        /// The first `n` sends from now pass, the rest fail.
        case sendsFailAfter(Int)
        /// Reads of this conversation answer 503, every time.
        case readsFailIn(String)
        /// Every request answers 503: the studio is down.
        case allFail
        /// Reads of this conversation answer 200 with a body that is not JSON (a broken proxy's), every time.
        case readsNotJSONIn(String)
    }

    let sandbox: RunningSandbox
    let trouble = Mutex(Trouble.none)
    /// Sends asked for while `sendsFailAfter` was on.
    private let counted = Mutex(0)

    init(sandbox: RunningSandbox) { self.sandbox = sandbox }

    var origin: String { sandbox.origin }

    func answer(
        method: String, target: String, headers: [(name: String, value: String)], body: [UInt8]?
    ) async -> (status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        let json = [(name: "Content-Type", value: "application/json")]
        let isSend = method == "POST" && target.contains("conversation_messages")
        switch trouble.withLock({ $0 }) {
        case .allFail, .sendsFail where isSend:
            return (503, json, Array(#"{"error":{"code":"unavailable","message":"try again"}}"#.utf8))
        case .sendsFailAfter(let passing) where isSend && counted.withLock({ $0 += 1; return $0 > passing }):
            return (503, json, Array(#"{"error":{"code":"unavailable","message":"try again"}}"#.utf8))
        case .readsFailIn(let id) where method == "GET" && target.contains("/conversations/\(id)"):
            return (503, json, Array(#"{"error":{"code":"unavailable","message":"try again"}}"#.utf8))
        case .readsNotJSONIn(let id) where method == "GET" && target.contains("/conversations/\(id)"):
            return (200, json, Array(#"{"data": not json at all}"#.utf8))
        case .readsCutShort where method == "GET" && target.contains("/conversations/conv_"):
            let whole = await sandbox.inProcess.answer(method: method, target: target, headers: headers, body: body)
            return (whole.status, whole.headers, Array(whole.body.prefix(whole.body.count / 2)))
        default:
            return await sandbox.inProcess.answer(method: method, target: target, headers: headers, body: body)
        }
    }

    /// Settings of a daemon that reaches the sandbox through this studio.
    var api: APIConfiguration {
        get throws {
            var api = APIConfiguration(baseURL: try BaseURL(parsing: sandbox.baseURL), cookie: sandbox.cookie, retry: .fast)
            api.inProcess = self
            // The client's waits between its own retries cost no real time: the daemon's waits are what is tested.
            api.pause = { _ in }
            return api
        }
    }
}

/// A message is parked only for its handler's own failures (docs/spec.md §6): the studio's trouble
/// (sends that keep failing, a conversation's answer cut short) uses up no try, so a client is never
/// left unanswered for a fault that passes (the seeded simulator's seed 52).
@Suite("Watch: the studio's trouble never parks a message")
struct StudioTroubleTests {
    static let script = """
        px.on("message", function(event)
          event:reply("ok: " .. event.message.content)
        end)
        """

    @Test("a reply the studio keeps refusing (503) waits, with no try used up, and goes once the studio answers")
    func sendsFail() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let studio = TroubledStudio(sandbox: w.sandbox)
            try await w.daemon(Self.script, maxAttempts: 1, api: try studio.api) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "hello")
                studio.trouble.withLock { $0 = .sendsFail }
                let troubled = await loop.cycle()
                #expect(troubled.failed == 1 && troubled.parked == 0 && troubled.handled == 0)
                // Longer than a handler's tries would last: still waiting, not parked; the waits grow
                // (30 s, 1, 2, 4, 5 min), and it is journaled when it starts and once more, not at every try.
                let later = await loop.advance(by: 900)
                #expect(later.parked == 0 && later.handled == 0)
                let told = try StateStore(path: w.statePath).journal.tail(limit: 100).filter { $0.kind == JournalKind.studioTrouble.rawValue }
                #expect(told.count == 2, "\(told.map(\.detail)) \(w.log.all.filter { $0.contains("trouble") || $0.contains("handler") })")
                studio.trouble.withLock { $0 = .none }
                let fine = await loop.advance(by: 600)
                #expect(fine.handled == 1 && fine.parked == 0)
            }
            #expect(try w.studioMessages(in: id).filter { $0.hasPrefix("ok: ") } == ["ok: hello"])
            try Self.expectNoneParked(w)
        }
    }

    @Test("a conversation whose answer comes cut short waits, with no try used up, and is answered once it reads")
    func readsCutShort() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let studio = TroubledStudio(sandbox: w.sandbox)
            try await w.daemon(Self.script, maxAttempts: 1, api: try studio.api) { loop in
                _ = await loop.cycle()
                // Paused, the message waits; the tries after the resume read the conversation again.
                let store = try StateStore(path: w.statePath)
                try store.settings.setPaused(true, at: w.studio.clock.now())
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "hello")
                _ = await loop.cycle()
                studio.trouble.withLock { $0 = .readsCutShort }
                try store.settings.setPaused(false, at: w.studio.clock.now())
                let resumed = await loop.poll()
                #expect(resumed.failed == 1 && resumed.parked == 0 && resumed.handled == 0)
                let troubled = await loop.advance(by: 900)
                #expect(troubled.parked == 0 && troubled.handled == 0)
                studio.trouble.withLock { $0 = .none }
                let fine = await loop.advance(by: 600)
                #expect(fine.handled == 1 && fine.parked == 0)
            }
            #expect(try w.studioMessages(in: id).filter { $0.hasPrefix("ok: ") } == ["ok: hello"])
            try Self.expectNoneParked(w)
            let journal = try StateStore(path: w.statePath).journal.tail(limit: 50).map(\.kind)
            #expect(journal.contains(JournalKind.studioTrouble.rawValue))
        }
    }

    @Test("a handler whose read gets an answer that is not JSON fails as its own error: tried, then parked, never waiting for ever")
    func readsNotJSON() async throws {
        try await withWatch { w in
            let ids = try w.clientConversations(2)
            let studio = TroubledStudio(sandbox: w.sandbox)
            // The handler reads another conversation, whose every answer is a proxy's HTML page.
            let script = "px.on('message', function(event) local c = px.conversations.get('\(ids[1])'); event:reply('ok: ' .. c.id) end)"
            try await w.daemon(script, retryDelay: 30, maxAttempts: 3, api: try studio.api) { loop in
                _ = await loop.cycle()
                studio.trouble.withLock { $0 = .readsNotJSONIn(ids[1]) }
                _ = try await w.sandbox.database.clientWritesIn(conversationID: ids[0], content: "hello")
                _ = await loop.cycle()
                _ = await loop.advance(by: 3_600)
            }
            let parked = try StateStore(path: w.statePath).ledger.events(inState: .parked, limit: 5)
            #expect(parked.count == 1 && parked.first?.reason?.contains("BAD_RESPONSE") == true, "\(parked.map(\.reason))")
            #expect(try w.studioMessages(in: ids[0]).filter { $0.hasPrefix("ok: ") }.isEmpty)
        }
    }

    @Test("a handler that catches its reply's failure (pcall) is tried again for the studio's trouble, not parked")
    func caughtFailure() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let studio = TroubledStudio(sandbox: w.sandbox)
            let script = """
                px.on("message", function(event)
                  local ok, err = pcall(function() event:reply("ok: " .. event.message.content) end)
                  if not ok then print("could not answer: " .. tostring(err.code)) end
                end)
                """
            try await w.daemon(script, maxAttempts: 1, api: try studio.api) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "hello")
                studio.trouble.withLock { $0 = .sendsFail }
                let troubled = await loop.cycle()
                #expect(troubled.failed == 1 && troubled.parked == 0)
                studio.trouble.withLock { $0 = .none }
                let fine = await loop.advance(by: 600)
                #expect(fine.handled == 1 && fine.parked == 0)
            }
            #expect(try w.studioMessages(in: id).filter { $0.hasPrefix("ok: ") } == ["ok: hello"])
            try Self.expectNoneParked(w)
        }
    }

    @Test("a scheduled run whose sends the studio failed is tried again within minutes, sending nothing twice, not at its next time")
    func scheduledRun() async throws {
        try await withWatch { w in
            let ids = try w.clientConversations(2)
            let script = """
                px.cron("0 9 * * 1", function()
                  local all = {}
                  for c in px.conversations.each() do all[#all + 1] = c end
                  px.map(all, function(c) px.send(c.id, "Weekly note") end)
                end, { name = "weekly" })
                """
            // The studio refuses every send for the run and its first retries.
            try await Self.failThenRun(w, script, trouble: .sendsFail, schedule: "weekly", failedBy: 100) {
                let history = try StateStore(path: w.statePath).journal.tail(limit: 500).filter { $0.kind == JournalKind.scheduleFailed.rawValue }.map(\.detail)
                #expect(history.contains { $0.contains("the studio's trouble: tried again in") }, "\(history)")
            } after: { loop, monday in
                // Done for the week: not tried again.
                let later = await loop.advance(to: monday.addingTimeInterval(3_600))
                #expect(later.schedules.ran.isEmpty && later.schedules.failed.isEmpty)
            }
            for id in ids { #expect(try w.studioMessages(in: id).filter { $0 == "Weekly note" }.count == 1) }
        }
    }

    @Test("a scheduled run tried again after the studio failed its third send skips the two sent, though the list's order changed")
    func scheduledRunReordered() async throws {
        try await withWatch { w in
            let ids = try w.clientConversations(3)
            // Sends outside px.map, keyed by order, and the second try meets the conversations in the
            // other order (as when the studio lists them by their latest message, the first try's own).
            let script = """
                local tries = 0
                px.cron("0 9 * * 1", function()
                  tries = tries + 1
                  local all = {}
                  for c in px.conversations.each() do table.insert(all, tries == 1 and #all + 1 or 1, c) end
                  for _, c in ipairs(all) do px.send(c.id, "Weekly note") end
                end, { name = "weekly" })
                """
            try await Self.failThenRun(w, script, trouble: .sendsFailAfter(2), schedule: "weekly")
            for id in ids { #expect(try w.studioMessages(in: id).filter { $0 == "Weekly note" }.count == 1) }
        }
    }

    @Test("a scheduled px.map whose items' reads come cut short is a failed run tried again, not a success that skipped them")
    func scheduledReadsCutShort() async throws {
        try await withWatch { w in
            let ids = try w.clientConversations(2)
            let script = """
                px.cron("0 9 * * 1", function()
                  local all = {}
                  for c in px.conversations.each() do all[#all + 1] = c end
                  px.map(all, function(c)
                    local full = px.conversations.get(c.id)
                    px.send(c.id, "Weekly note for " .. full.id)
                  end)
                end, { name = "weekly" })
                """
            try await Self.failThenRun(w, script, trouble: .readsCutShort, schedule: "weekly")
            for id in ids { #expect(try w.studioMessages(in: id).filter { $0 == "Weekly note for \(id)" }.count == 1) }
        }
    }

    @Test("one conversation the studio keeps failing (503) holds no other client back, and is answered once it reads")
    func oneConversationFails() async throws {
        try await withWatch { w in
            let ids = try w.clientConversations(2)
            let studio = TroubledStudio(sandbox: w.sandbox)
            try await w.daemon(Self.script, api: try studio.api) { loop in
                _ = await loop.cycle()
                studio.trouble.withLock { $0 = .readsFailIn(ids[0]) }
                _ = try await w.sandbox.database.clientWritesIn(conversationID: ids[0], content: "first")
                _ = try await w.sandbox.database.clientWritesIn(conversationID: ids[1], content: "second")
                let troubled = await loop.cycle()
                #expect(troubled.handled == 1 && troubled.parked == 0)
                #expect(try w.studioMessages(in: ids[1]).contains("ok: second"))
                studio.trouble.withLock { $0 = .none }
                let fine = await loop.advance(by: 3_600)
                #expect(fine.handled == 1 && fine.parked == 0)
            }
            #expect(try w.studioMessages(in: ids[0]).filter { $0.hasPrefix("ok: ") } == ["ok: first"])
            #expect(try w.studioMessages(in: ids[1]).filter { $0.hasPrefix("ok: ") } == ["ok: second"])
        }
    }

    @Test("while the studio is down, a retry between polls does not say it answers again; the first poll that works does, once")
    func noFalseRecovery() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let studio = TroubledStudio(sandbox: w.sandbox)
            try await w.daemon(Self.script, api: try studio.api) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "hello")
                studio.trouble.withLock { $0 = .sendsFail }
                _ = await loop.cycle()
                studio.trouble.withLock { $0 = .allFail }
                // A poll that fails (the studio is down), then the reply's retries between polls.
                _ = await loop.poll()
                _ = await loop.advance(by: 600)
                #expect(!w.log.all.contains { $0.contains("the studio answers again") }, "\(w.log.all.filter { $0.contains("studio") })")
                // `status` says it, while the daemon runs.
                let down = try Self.statusText(w)
                #expect(down.contains("studio: NOT ANSWERING since Sun 1 Mar"), "\(down)")
                studio.trouble.withLock { $0 = .none }
                _ = await loop.poll()
                #expect(try !Self.statusText(w).contains("NOT ANSWERING"))
                _ = await loop.advance(by: 600)
            }
            #expect(w.log.all.filter { $0.contains("the studio answers again") }.count == 1)
            #expect(try w.studioMessages(in: id).filter { $0.hasPrefix("ok: ") } == ["ok: hello"])
        }
    }

    @Test("a one-time (px.at) run the studio failed is tried again too, and sends once")
    func atRun() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let script = """
                px.at("2026-03-02T09:00:00", function() px.send("\(id)", "Your session is tomorrow") end, { name = "reminder" })
                """
            try await Self.failThenRun(w, script, trouble: .sendsFail, schedule: "reminder")
            #expect(try w.studioMessages(in: id).filter { $0 == "Your session is tomorrow" }.count == 1)
        }
    }

    /// Runs `script` as a daemon whose schedule named `schedule` is due Monday 2 March 09:00 (a day
    /// after the harness's start) while the studio has `trouble`: `failedBy` seconds after, the run
    /// failed and nothing ran (`during` looks at the state then); the studio well again, it runs within
    /// ten minutes of its time. `after` goes on with the daemon from there.
    static func failThenRun(
        _ w: WatchHarness, _ script: String, trouble: TroubledStudio.Trouble, schedule: String, failedBy: Double = 10,
        during: () throws -> Void = {}, after: (DaemonDriver, Date) async throws -> Void = { _, _ in }
    ) async throws {
        let studio = TroubledStudio(sandbox: w.sandbox)
        let monday = try #require(ISOTime.parse(testNow)).addingTimeInterval(86_400)
        try await w.daemon(script, api: try studio.api) { loop in
            _ = await loop.cycle()
            studio.trouble.withLock { $0 = trouble }
            let failed = await loop.advance(to: monday.addingTimeInterval(failedBy))
            #expect(Set(failed.schedules.failed) == ["name:\(schedule)"] && failed.schedules.ran.isEmpty)
            try during()
            studio.trouble.withLock { $0 = .none }
            let again = await loop.advance(to: monday.addingTimeInterval(600))
            #expect(again.schedules.ran == ["name:\(schedule)"])
            try await after(loop, monday)
        }
    }

    /// `status` of the harness's state as with a daemon running on it.
    static func statusText(_ w: WatchHarness) throws -> String {
        let store = try StateStore(path: w.statePath)
        defer { try? store.close() }
        var status = try store.status(now: w.studio.clock.now(), timeZone: .gmt, journalLimit: 5)
        status.daemon = "pid 1"
        return status.text(cap: 200, path: w.statePath)
    }

    static func expectNoneParked(_ w: WatchHarness) throws {
        #expect(try StateStore(path: w.statePath).ledger.parkedCount() == 0)
    }
}
