import Foundation
import GRDB
import PXRuntime
@testable import PXState
import StudioSandbox
import Testing
import TestSupport

/// Issue 27, class 1: a run or a schedule's run whose sends failed never
/// reports success, and the handler run survives `px.map`.
@Suite("No false success: px.map under watch, failed sends fail the run")
struct NoFalseSuccessTests {
    @Test("a px.map outreach from a schedule under watch sends to every item, once, and a second run of the same due time sends nothing")
    func mapUnderSchedule() async throws {
        try await withWatch { w in
            let ids = try w.clientConversations(3)
            let list = ids.map { "\"\($0)\"" }.joined(separator: ", ")
            let script = """
                px.cron("0 10 1 * *", function()
                  local results, errors = px.map({ \(list) }, function(id) px.conversations.get(id) px.send(id, "Spring minis are open!") end)
                  assert(next(errors) == nil, "an item failed")
                end, { name = "monthly outreach" })
                """
            let start = ISOTime.parse(testNow)!
            try await w.daemon(script) { loop in
                let report = await loop.advance(to: start.addingTimeInterval(3601)).schedules
                #expect(report.ran == ["name:monthly outreach"] && report.failed.isEmpty, "\(w.log.all)")
            }
            for id in ids { #expect(try w.studioMessages(in: id).filter { $0 == "Spring minis are open!" }.count == 1) }
            // A schedule-only script has no poll: the names it read are kept by the run itself, for `status`.
            #expect(try StateStore(path: w.statePath).ledger.clientNames(for: ids).count == 3)
            // The same due run again (as after a crash before it was recorded): keyed by the run and the text, nothing twice.
            try await DatabaseQueue(path: w.statePath).write { try $0.execute(sql: "DELETE FROM schedule") }
            // Restarted where the first daemon started, so the same run falls due again.
            w.studio.clock.set(start)
            try await w.daemon(script) { loop in
                #expect(await loop.advance(to: start.addingTimeInterval(3602)).schedules.ran == ["name:monthly outreach"])
            }
            for id in ids { #expect(try w.studioMessages(in: id).filter { $0 == "Spring minis are open!" }.count == 1) }
        }
    }

    @Test("a schedule whose px.map items failed is a failed run in the report, status and the journal, never 'ran'")
    func failedItemsFailTheSchedule() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let start = ISOTime.parse(testNow)!
            try await w.daemon("""
                px.every("1h", function()
                  px.map({ "\(id)", "conv_does_not_exist" }, function(c) px.send(c, "Gallery reminder") end)
                end, { name = "reminders" })
                """) { loop in
                let report = await loop.advance(to: start.addingTimeInterval(3601)).schedules
                #expect(report.failed == ["name:reminders"] && report.ran.isEmpty)
            }
            #expect(try w.studioMessages(in: id) .contains("Gallery reminder"))
            let status = try StateStore(path: w.statePath).status(now: start, timeZone: .gmt, journalLimit: 5).text(cap: 200, path: w.statePath)
            #expect(status.contains("FAILED: sent 1, failed 1: first error conv_does_not_exist:"), "\(status)")
            #expect(status.contains("schedule failed"), "\(status)")
        }
    }

    @Test("a schedule that raised is recorded as failed too")
    func raisedScheduleFails() async throws {
        try await withWatch { w in
            let start = ISOTime.parse(testNow)!
            try await w.daemon("px.every('1h', function() error('no template') end, { name = 'digest' })") { loop in
                let report = await loop.advance(to: start.addingTimeInterval(3601)).schedules
                #expect(report.failed == ["name:digest"])
            }
            let schedules = try StateStore(path: w.statePath).schedules.list()
            #expect(schedules.first?.lastFailure?.contains("no template") == true)
        }
    }

    @Test("px.map inside a message handler sends through the handler's run")
    func mapInHandler() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            try await w.daemon("""
                px.on("message", function(event)
                  local _, errors = px.map({ 1, 2 }, function(n) px.send(event.conversation.id, "Thanks! (" .. n .. ")") end)
                  assert(next(errors) == nil, "an item failed")
                end)
                """) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "Hello?")
                let report = await loop.cycle()
                #expect(report.failed == 0 && report.parked == 0, "\(w.log.all)")
            }
            #expect(try w.studioMessages(in: id).filter { $0.hasPrefix("Thanks! (") }.count == 2)
        }
    }

    @Test("a run whose sends failed reports them, even though the script caught each error (pxscript run exits 1 with it)")
    func refusedSendsFailTheRun() async throws {
        try await withHarness { h in
            let id = try #require(h.messages().first?.conversationID)
            let summary = try await h.run("""
                local ok1 = pcall(px.send, "conv_does_not_exist", "hello")
                local _, errors = px.map({ "conv_gone_too" }, function(c) px.send(c, "hello") end)
                px.send("\(id)", "A real one")
                """)
            let message = try #require(summary.sendFailures)
            #expect(message.hasPrefix("sent 1, failed 2: first error conv_does_not_exist:"), "\(message)")
            #expect(try await h.run("px.send('\(id)', 'All good')").sendFailures == nil)
        }
    }

    @Test("the summary counts what happened: sends skipped as already sent are not 'sent', a dry run's are 'would send'")
    func summaryWords() async throws {
        try await withHarness { h in
            let id = try #require(h.messages().first?.conversationID)
            let script = """
                pcall(px.send, "conv_does_not_exist", "hello")
                px.send("\(id)", "A real one")
                """
            let first = try await h.run(script), second = try await h.run(script)
            #expect(first.sendFailures?.hasPrefix("sent 1, failed 1: first error conv_does_not_exist:") == true, "\(first.sendFailures ?? "")")
            #expect(second.sendFailures?.hasPrefix("already sent 1, failed 1:") == true, "\(second.sendFailures ?? "")")
            let dry = try await h.run(script.replacingOccurrences(of: "A real one", with: "Another one"), dryRun: true)
            #expect(dry.sendFailures?.hasPrefix("would send 1, failed 1:") == true, "\(dry.sendFailures ?? "")")
        }
    }

    @Test("a run says what its sends came to, also when nothing was sent: 'nothing to do' is told from 'did nothing'")
    func sendsSummary() async throws {
        try await withHarness { h in
            let ids = try Array(Set(h.messages().map(\.conversationID)).sorted().prefix(2))
            let script = ids.map { "px.send('\($0)', 'Spring minis are open!')" }.joined(separator: "\n")
            #expect(try await h.run(script).sends == "sent 2")
            #expect(try await h.run(script).sends == "nothing sent (2 already sent)")
            #expect(try await h.run("return 1").sends == "nothing sent")
            #expect(try await h.run(script + "\npx.send('\(ids[0])', 'New text')").sends == "sent 1, already sent 2")
            #expect(try await h.run("px.send('\(ids[1])', 'Another', { approve = true })").sends == "nothing sent (asked for approval 1)")
        }
    }

    @Test("a --trigger run says how it went on the schedule's line: FAILED when it failed, and a later good one clears it")
    func triggerOnTheSchedulesLine() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let start = ISOTime.parse(testNow)!
            func line() throws -> String? { try StateStore(path: w.statePath).schedules.list().first?.lastFailure }
            try await w.daemon("px.every('1h', function() px.send('conv_gone', 'x') end, { name = 'digest' })") { loop in
                _ = await loop.advance(to: start.addingTimeInterval(3601))
            }
            let listed = try StateStore(path: w.statePath).schedules.list()
            #expect(try line()?.contains("CONVERSATION_NOT_FOUND") == true, "\(listed) \(w.log.all)")
            try await w.daemon("px.every('1h', function() px.send('\(id)', 'Digest') end, { name = 'digest' })") { loop in
                let report = try await loop.trigger("digest", on: w.statePath)
                #expect(report.schedules.ran == ["digest"])
            }
            #expect(try line() == nil, "a good --trigger run clears the FAILED")
            // And leaves its trace: `status --history` and the activity show it ran.
            let journal = try StateStore(path: w.statePath).journal.tail(limit: 20)
            #expect(journal.contains { $0.kind == JournalKind.scheduleTriggered.rawValue && $0.detail == "'digest': ran once (--trigger)" }, "\(journal)")
            try await w.daemon("px.every('1h', function() error('broken template') end, { name = 'digest' })") { loop in
                let report = try await loop.trigger("digest", on: w.statePath)
                #expect(report.schedules.failed == ["digest"])
            }
            #expect(try line()?.hasPrefix("(run by --trigger)") == true)
        }
    }

    @Test("a handler whose px.map item failed to send is a failed try, not handled; tried again, the send made is not repeated")
    func failedItemFailsTheHandler() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            try await w.daemon("""
                px.on("message", function(event)
                  px.map({ event.conversation.id, "conv_gone" }, function(c) px.send(c, "Thanks for writing!") end)
                end)
                """, maxAttempts: 2) { loop in
                _ = await loop.cycle()
                _ = try await w.sandbox.database.clientWritesIn(conversationID: id, content: "Hello?")
                let first = await loop.cycle()
                #expect(first.handled == 0 && first.failed == 1, "\(w.log.all)")
                let second = await loop.cycle()
                #expect(second.parked == 1)
            }
            #expect(try w.studioMessages(in: id).filter { $0 == "Thanks for writing!" }.count == 1)
        }
    }
}
