import Foundation
import PixiesetModels
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// The whole daemon in-process on a virtual clock (issue 18).
@Suite("WatchService: one daemon, several scripts, virtual time")
struct WatchServiceTests {
    static let autoreply = """
        px.on("message", function(event) event:reply("auto: thanks " .. event.client.name) end)
        """
    static let vacation = """
        px.on("message", function(event) event:reply("away until Monday") end)
        """
    static let digest = """
        px.every("1h", function() px.store.set("digests", (px.store.get("digests") or 0) + 1) end)
        """

    @Test("three scripts, one daemon: one request per poll (and one in four for the rotation); each message script answers each client message once; the schedule script runs")
    func threeScripts() async throws {
        try await withVirtualStudio(alwaysChanged: true) { studio in
            try await studio.daemon([("autoreply.lua", Self.autoreply), ("vacation.lua", Self.vacation), ("digest.lua", Self.digest)]) {
                // Every poll instant polls here (the probe says the studio changed each time): 10 polls, 10 requests,
                // and two reads of the slow rotation (one every 4 polls): an idle daemon costs 1.25× its polls.
                let before = studio.sandbox.controls.apiRequests
                await studio.advance(by: 10 * 30)
                #expect(studio.sandbox.controls.apiRequests - before == 12)

                let targets = try studio.clientConversations(2)
                for id in targets { try await studio.clientWrites(id, "Are you free in June?") }
                await studio.advance(by: 30)
                await studio.advance(by: 5 * 30)
                for id in targets {
                    let replies = try studio.studioMessages(in: id).map(\.content).filter { $0.hasPrefix("auto:") || $0 == "away until Monday" }
                    #expect(replies.count == 2, "\(replies)")
                    #expect(replies.contains { $0.hasPrefix("auto: thanks") } && replies.contains("away until Monday"))
                }
                await studio.advance(by: 3_600)
            }
            // Each script kept its own state: its own ledger of the messages, its own schedule.
            let digest = try StateStore(path: studio.statePath("digest.lua"))
            defer { try? digest.close() }
            #expect(try digest.kept.value(forKey: "digests") == "1")
            for script in ["autoreply.lua", "vacation.lua"] {
                let store = try StateStore(path: studio.statePath(script))
                defer { try? store.close() }
                let journal = try store.status(now: studio.clock.now(), timeZone: .gmt, journalLimit: 100).journal
                #expect(journal.filter { $0.kind == "handled" }.count == 2, "\(script): \(journal)")
            }
        }
    }

    @Test("a script that does not load is set aside; the others answer; once edited it joins in")
    func brokenScript() async throws {
        try await withVirtualStudio { studio in
            try await studio.daemon([("good.lua", Self.autoreply), ("broken.lua", "px.on('message', function(event)")]) {
                #expect(studio.log.all.contains { $0.contains("broken.lua is set aside until it is edited") })
                let ids = try studio.clientConversations(2)
                try await studio.clientWrites(ids[0], "Hello?")
                await studio.advance(by: 60)
                #expect(try studio.studioMessages(in: ids[0]).filter { $0.content.hasPrefix("auto:") }.count == 1)

                // Edited, it loads before the next poll, and answers what that poll finds.
                try Self.vacation.write(toFile: studio.folder.appendingPathComponent("broken.lua").path, atomically: true, encoding: .utf8)
                try await studio.clientWrites(ids[1], "Anyone there?")
                await studio.advance(by: 60)
                #expect(studio.log.all.contains { $0.contains("broken.lua changed and compiles") })
                let replies = try studio.studioMessages(in: ids[1]).map(\.content)
                #expect(replies.filter { $0.hasPrefix("auto:") }.count == 1, "\(replies)")
                #expect(replies.filter { $0 == "away until Monday" }.count == 1, "\(replies)")
                // The message from before it loaded is history to it: not answered late.
                #expect(try studio.studioMessages(in: ids[0]).filter { $0.content == "away until Monday" }.isEmpty)
            }
        }
    }

    @Test("a client's message, relabelled by the API as the client's, is not answered by another script of the daemon (loop guard)")
    func loopGuardAcrossScripts() async throws {
        try await withVirtualStudio { studio in
            studio.sandbox.controls.setQuirks(try Quirks(parsing: "studio_as_client"))
            try await studio.daemon([("autoreply.lua", Self.autoreply), ("vacation.lua", Self.vacation)]) {
                let id = try studio.clientConversations(1)[0]
                try await studio.clientWrites(id, "Hello?")
                for _ in 0..<6 { await studio.advance(by: 30) }
                let replies = try studio.sandbox.database.allMessages().filter { $0.conversationID == id }.map(\.content)
                #expect(replies.filter { $0.hasPrefix("auto:") }.count == 1, "\(replies)")
                #expect(replies.filter { $0 == "away until Monday" }.count == 1, "\(replies)")
            }
        }
    }

    @Test("a first start on a studio without any message begins then: the first message ever written is answered")
    func emptyStudio() async throws {
        try await withVirtualStudio(seed: .none) { studio in
            try await studio.daemon([("autoreply.lua", Self.autoreply)]) {
                let id = try await studio.sandbox.database.openConversation(name: "Ava Brown", email: "ava@example.com")
                try await studio.clientWrites(id, "Hello, is anyone there?")
                await studio.advance(by: 60)
                #expect(try studio.studioMessages(in: id).map(\.content) == ["auto: thanks Ava Brown"])
            }
        }
    }

    @Test("a dry run of a watched script runs beside its daemon: it takes no lock, works on a copy, sends nothing")
    func dryRunBesideDaemon() async throws {
        try await withVirtualStudio { studio in
            let id = try studio.clientConversations(1)[0]
            // The running daemon's lock on the state, as `pxscript watch` holds it.
            let path = studio.statePath("autoreply.lua") + ".lock"
            let held = open(path, O_CREAT | O_RDWR, 0o600)
            defer { close(held) }
            #expect(flock(held, LOCK_EX | LOCK_NB) == 0)
            let before = try studio.studioMessages(in: id).count
            try await studio.daemon([("autoreply.lua", Self.autoreply)], dryRun: true) {
                try await studio.clientWrites(id, "Are you free on Saturday?")
                await studio.advance(by: 60)
            }
            #expect(try studio.studioMessages(in: id).count == before)
            #expect(!studio.log.all.contains { $0.contains("one daemon per state file") }, "\(studio.log.all)")
            #expect(studio.log.all.contains { $0.contains("dry run: nothing is sent") })
        }
    }

    @Test("approvals under watch: a reply waits; approved, the daemon sends it within a poll, once; a new client message withdraws an open one")
    func approvalsUnderWatch() async throws {
        try await withVirtualStudio { studio in
            let script = "px.on('message', function(event) event:reply('Welcome, ' .. event.client.name, { approve = true }) end)"
            try await studio.daemon([("welcome.lua", script)]) {
                let ids = try studio.clientConversations(2)
                try await studio.clientWrites(ids[0], "Hello?")
                try await studio.clientWrites(ids[1], "Hi there")
                await studio.advance(by: 60)
                let store = try StateStore(path: studio.statePath("welcome.lua"))
                defer { try? store.close() }
                let asked = try store.approvals.list(in: [.pending])
                #expect(asked.count == 2)
                #expect(try studio.studioMessages(in: ids[0]).filter { $0.content.hasPrefix("Welcome") }.isEmpty)

                let first = try #require(asked.first { $0.conversationID == ids[0] })
                #expect(try await store.approvals.decide(first.id, approve: true, at: studio.clock.now()))
                #expect(try await store.approvals.decide(first.id, approve: true, at: studio.clock.now()) == false)
                // The other client writes again before anyone decides: its request no longer fits.
                let second = try #require(asked.first { $0.conversationID == ids[1] })
                try await studio.clientWrites(ids[1], "Actually, never mind")
                await studio.advance(by: 60)
                await studio.advance(by: 60)
                #expect(try studio.studioMessages(in: ids[0]).filter { $0.content.hasPrefix("Welcome") }.count == 1)
                #expect(try store.approvals.find(first.id)?.state == .sent)
                #expect(try store.approvals.find(second.id)?.state == .withdrawn)
                #expect(try store.approvals.find(second.id)?.detail == "the client wrote again")
            }
        }
    }

    @Test("a reply asked for approval after the client wrote again (both in one poll) is withdrawn at once: never waiting, never sent out of turn")
    func approvalAskedLate() async throws {
        try await withVirtualStudio { studio in
            let script = """
                px.on('message', function(event)
                  local text = event.message.content
                  if text:sub(-1) == '?' then event:reply('About ' .. text, { approve = true }) else event:reply('Noted') end
                end)
                """
            try await studio.daemon([("ask.lua", script)]) {
                let id = try studio.clientConversations(1)[0]
                // Both before the daemon's next poll: the question's request is asked after "never mind" was written.
                try await studio.clientWrites(id, "Are you free Saturday?")
                try await studio.clientWrites(id, "Never mind, we booked someone")
                await studio.advance(by: 60)
                let store = try StateStore(path: studio.statePath("ask.lua"))
                defer { try? store.close() }
                let asked = try #require(try store.approvals.list().first)
                // Withdrawn as soon as asked: nothing left waiting for a decision that could only withdraw it.
                #expect(asked.state == .withdrawn && asked.detail?.contains("the client wrote again") == true, "\(asked.state) \(asked.detail ?? "")")
                #expect(try await store.approvals.decide(asked.id, approve: true, at: studio.clock.now()) == false)
                studio.clock.noteChange()
                await studio.advance(by: 60)
                #expect(try store.approvals.find(asked.id)?.state == .withdrawn)
                #expect(try studio.studioMessages(in: id).filter { $0.content.hasPrefix("About") }.isEmpty)
            }
        }
    }

    @Test("at the send cap, a reply waits for the next day and is sent then, with nothing else happening in the studio (virtual time)")
    func cappedReplyNextDay() async throws {
        try await withVirtualStudio { studio in
            try await studio.daemon([("capped.lua", "px.on('message', function(event) event:reply('Thanks!') end)")], maxSends: 1) {
                let ids = try studio.clientConversations(2)
                try await studio.clientWrites(ids[0], "Hello")
                try await studio.clientWrites(ids[1], "Hello too")
                await studio.advance(by: 60)
                let sentToday = try ids.map { try studio.studioMessages(in: $0).filter { $0.content == "Thanks!" }.count }
                #expect(sentToday.reduce(0, +) == 1)
                // Nothing else happens: the daemon must wake for the new day by itself.
                await studio.advance(by: 86_400)
                let sent = try ids.map { try studio.studioMessages(in: $0).filter { $0.content == "Thanks!" }.count }
                #expect(sent == [1, 1])
            }
        }
    }

    @Test("an approval nobody decides expires at its time, and is never sent")
    func approvalExpires() async throws {
        try await withVirtualStudio { studio in
            let script = "px.on('message', function(event) event:reply('Welcome', { approve = true, expires = '1h' }) end)"
            try await studio.daemon([("welcome.lua", script)]) {
                let id = try studio.clientConversations(1)[0]
                try await studio.clientWrites(id, "Hello?")
                await studio.advance(by: 60)
                let store = try StateStore(path: studio.statePath("welcome.lua"))
                defer { try? store.close() }
                let asked = try #require(try store.approvals.list(in: [.pending]).first)
                await studio.advance(by: 2 * 3_600)
                #expect(try store.approvals.find(asked.id)?.state == .expired)
                #expect(try studio.studioMessages(in: id).filter { $0.content == "Welcome" }.isEmpty)
                #expect(try await store.approvals.decide(asked.id, approve: true, at: studio.clock.now()) == false)
            }
        }
    }

    @Test("px.sleep on a virtual clock moves the clock: a handler that waits an hour replies an hour later, at once")
    func sleepOnVirtualClock() async throws {
        try await withVirtualStudio { studio in
            let script = "px.on('message', function(event) px.sleep(3600); event:reply('an hour later') end)"
            try await studio.daemon([("slow.lua", script)]) {
                let id = try studio.clientConversations(1)[0]
                let written = try await studio.clientWrites(id, "Hello?").sentAt.secondsSince1970
                await studio.advance(by: 30)
                let reply = try studio.studioMessages(in: id).first { $0.content == "an hour later" }
                #expect(reply.map { $0.sentAt >= written + 3_600 && $0.sentAt <= written + 3_600 + 31 } == true, "\(String(describing: reply))")
            }
        }
    }

    /// An hourly schedule, a daily cron and a debounced auto-reply, through 30 days.
    static let busy = """
        local function note(key)
          local times = px.store.get(key) or {}
          times[#times + 1] = px.time.now()
          px.store.set(key, times)
        end
        px.every("1h", function() note("hourly") end)
        px.cron("0 9 * * *", function() note("daily") end)
        px.on("message", function(event)
          event:reply("Thanks for your " .. #event.messages .. " messages")
        end, { debounce = "5m" })
        """

    @Test("30 virtual days of every(1h) + cron + debounce fire as real time would, at their moments, in seconds of wall time")
    func thirtyDays() async throws {
        let start = ISOTime.parse("2026-03-02T00:00:00Z")!
        try await withVirtualStudio(start: "2026-03-02T00:00:00Z") { studio in
            let ids = try studio.clientConversations(5)
            var bursts: [(conversation: String, last: Double)] = []
            try await studio.daemon([("busy.lua", Self.busy)]) {
                for day in 0..<30 {
                    let afternoon = start.addingTimeInterval(Double(day) * 86_400 + 14 * 3_600)
                    await studio.advance(to: afternoon)
                    let id = ids[day % ids.count]
                    var last = 0.0
                    for minute in 0..<3 {
                        if minute > 0 { await studio.advance(by: 60) }
                        last = try await studio.clientWrites(id, "part \(minute + 1)").sentAt.secondsSince1970
                    }
                    bursts.append((id, last))
                }
                await studio.advance(to: start.addingTimeInterval(30 * 86_400))
            }
            let store = try StateStore(path: studio.statePath("busy.lua"))
            defer { try? store.close() }
            let hourly = try JSONDecoder().decode([Double].self, from: Data((try store.kept.value(forKey: "hourly") ?? "[]").utf8))
            let daily = try JSONDecoder().decode([Double].self, from: Data((try store.kept.value(forKey: "daily") ?? "[]").utf8))
            // Real time: `every` from the start, each hour on the hour; the cron at 09:00 each day.
            #expect(hourly == (1...720).map { start.timeIntervalSince1970 + Double($0) * 3_600 })
            #expect(daily == (0..<30).map { start.timeIntervalSince1970 + Double($0) * 86_400 + 9 * 3_600 })
            // One reply per burst, once it was quiet for 5 minutes (found by the next poll, 30 s apart at most).
            var replies: [Double] = []
            for id in Set(ids) {
                replies += try studio.studioMessages(in: id).filter { $0.content == "Thanks for your 3 messages" }.map(\.sentAt)
            }
            #expect(replies.count == 30)
            for burst in bursts {
                let reply = try studio.studioMessages(in: burst.conversation).map(\.sentAt).filter { $0 >= burst.last }.min()
                #expect(reply.map { $0 >= burst.last + 300 && $0 <= burst.last + 300 + 31 } == true, "\(String(describing: reply)) after \(burst.last)")
            }
        }
    }

    @Test("a folder's scripts: *.lua except scenarios (*_test.lua) and modules another script requires; a script named twice is refused")
    func folderScripts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pxscripts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = [
            "autoreply.lua": "local hours = require('hours')\npx.on('message', function(e) end)",
            "hours.lua": "return { open = 9 }",
            "digest.lua": "px.every('1h', function() end)",
            "autoreply_test.lua": "-- a scenario",
            "notes.txt": "not a script",
        ]
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let found = try WatchScripts.resolve([folder.path]).map { ($0 as NSString).lastPathComponent }
        #expect(found == ["autoreply.lua", "digest.lua"])
        let twice = folder.appendingPathComponent("digest.lua").path
        #expect(throws: RuntimeError.self) { try WatchScripts.resolve([folder.path, twice]) }
        #expect(throws: RuntimeError.self) { try WatchScripts.resolve([folder.appendingPathComponent("missing.lua").path]) }
    }
}
