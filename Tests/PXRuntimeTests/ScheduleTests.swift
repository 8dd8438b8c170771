import Foundation
import GRDB
import PXRuntime
@testable import PXState
import Testing
import TestSupport

@Suite("Watch: schedules")
struct ScheduleTests {
    static let script = """
        px.every("1h", function() px.store.set("hourly", (px.store.get("hourly") or 0) + 1) end)
        px.cron("0 9 * * *", function() px.store.set("daily", (px.store.get("daily") or 0) + 1) end, { name = "morning" })
        px.at("2026-03-01T09:30:00", function() px.store.set("at", (px.store.get("at") or 0) + 1) end)
        px.after("10m", function() px.store.set("after", (px.store.get("after") or 0) + 1) end)
        """

    func counts(_ w: WatchHarness) throws -> [String] {
        let store = try StateStore(path: w.statePath)
        return try ["hourly", "daily", "at", "after"].map { try store.kept.value(forKey: $0) ?? "0" }
    }

    @Test("due schedules run once each; a missed run runs once at start-up, not once per miss; at once ever; after in memory")
    func schedules() async throws {
        try await withWatch { w in
            let start = ISOTime.parse(testNow)!  // 2026-03-01T09:00:00Z, the harness zone is UTC
            try await w.daemon(Self.script) { loop in
                // Nothing due right at start-up (every counts from the start; cron's 09:00 is now, not after).
                #expect(await loop.advance(to: start.addingTimeInterval(1)).schedules.ran.isEmpty)
                let at = await loop.advance(to: start.addingTimeInterval(11 * 60))
                #expect(at.schedules.ran == ["after:10m#1"])
                let later = await loop.advance(to: start.addingTimeInterval(3600 + 60))
                #expect(Set(later.schedules.ran) == ["every:1h#1", "at:2026-03-01T09:30:00#1"])
                _ = await loop.advance(to: start.addingTimeInterval(3600 + 120))
            }
            #expect(try counts(w) == ["1", "0", "1", "1"])
            // Down for a day and a half, then restarted: the hourly and the morning runs missed meanwhile
            // run once each at start-up; `after` counts from the new start.
            let late = start.addingTimeInterval(36 * 3600)
            await w.studio.clock.advance(to: late)
            try await w.daemon(Self.script) { loop in
                let report = await loop.cycle()
                #expect(Set(report.schedules.ran) == ["every:1h#1", "name:morning"])
                #expect(await loop.advance(to: late.addingTimeInterval(60)).schedules.ran.isEmpty)
                #expect(await loop.advance(to: late.addingTimeInterval(11 * 60)).schedules.ran == ["after:10m#1"])
            }
            // `at` ran once ever; `after` again (it lives in memory, so the restarted script's one is new).
            #expect(try counts(w) == ["2", "1", "1", "2"])
            func status(at date: Date) throws -> String {
                try StateStore(path: w.statePath).status(now: date, timeZone: .gmt, journalLimit: 1).text(cap: 200, path: w.statePath)
            }
            let stopped = try status(at: late.addingTimeInterval(12 * 60))
            #expect(stopped.contains("schedule 'morning': next Tue 3 Mar 09:00 GMT, last Mon 2 Mar 21:00 GMT"), "\(stopped)")
            #expect(stopped.contains("schedule at 2026-03-01T09:30:00: next never"), "\(stopped)")
            // Its time passed with no daemon running: `status` says it runs once when the daemon starts.
            let missed = try status(at: late.addingTimeInterval(86_400))
            #expect(missed.contains("schedule 'morning': next Tue 3 Mar 09:00 GMT (missed; runs once when the daemon starts), last"), "\(missed)")
        }
    }

    @Test("scheduled sends are keyed by schedule and due time; a failing run is logged and the daemon goes on")
    func sendsAndFailures() async throws {
        try await withWatch { w in
            let id = try w.clientConversations(1)[0]
            let start = ISOTime.parse(testNow)!
            try await w.daemon("""
                px.every("1h", function() px.send("\(id)", "Hourly check-in") end)
                px.every("2h", function() error("the report template is missing") end, { name = "report" })
                """) { loop in
                _ = await loop.advance(to: start.addingTimeInterval(3601))
                let report = await loop.advance(to: start.addingTimeInterval(2 * 3600 + 1))
                #expect(report.schedules.failed == ["name:report"])
            }
            #expect(try w.studioMessages(in: id).filter { $0 == "Hourly check-in" }.count == 2)
            #expect(w.log.all.contains { $0.contains("the report template is missing") })
        }
    }

    @Test("across the spring-forward change a skipped time runs once, at the jump, then on time again (America/Toronto)")
    func daylightSaving() async throws {
        try await withWatch { w in
            try await w.daemon(
                "px.cron('30 2 * * *', function() px.store.set('n', (px.store.get('n') or 0) + 1) end, { name = 'night' })",
                timeZone: "America/Toronto"
            ) { loop in
                func ran(_ time: String) async throws -> [String] { await loop.advance(to: ISOTime.parse(time)!).schedules.ran }
                // The machine asleep for six nights: one run when it wakes, not one per missed night.
                let missed = await loop.jump(to: ISOTime.parse("2026-03-07T12:00:00Z")!).schedules.ran
                let early = try await ran("2026-03-08T06:59:00Z")
                // 02:30 does not exist on 2026-03-08: it runs when the clock jumps (07:00Z).
                let jump = try await ran("2026-03-08T07:00:30Z")
                let before = try await ran("2026-03-09T06:29:00Z")
                let onTime = try await ran("2026-03-09T06:30:30Z")
                #expect(missed == ["name:night"] && early.isEmpty && jump == ["name:night"] && before.isEmpty && onTime == ["name:night"])
            }
            #expect(try StateStore(path: w.statePath).kept.value(forKey: "n") == "3")
        }
    }

    @Test("a named schedule edited before it ever ran counts from the new start, not from when its old timing was first seen")
    func editedBeforeItRan() async throws {
        try await withWatch { w in
            let start = ISOTime.parse(testNow)!  // Sunday 09:00 UTC
            try await w.daemon("px.every('7d', function() px.store.set('n', (px.store.get('n') or 0) + 1) end, { name = 'digest' })") { loop in
                #expect(await loop.cycle().schedules.ran.isEmpty)
            }
            // Down from Sunday to Tuesday 10:00, then restarted with the schedule made daily at 09:00.
            await w.studio.clock.advance(to: start.addingTimeInterval(2 * 86_400 + 3_600))
            try await w.daemon("px.cron('0 9 * * *', function() px.store.set('n', (px.store.get('n') or 0) + 1) end, { name = 'digest' })") { loop in
                #expect(await loop.cycle().schedules.ran.isEmpty, "not caught up: Tuesday 09:00 was not its time when the daemon went down")
                #expect(await loop.advance(to: start.addingTimeInterval(3 * 86_400 + 30)).schedules.ran == ["name:digest"])
            }
            #expect(try StateStore(path: w.statePath).kept.value(forKey: "n") == "1")
        }
    }

    @Test("recorded times far out of range (a broken state) never stop the daemon: the catch-up counts from a year back at most")
    func hostileTimes() async throws {
        try await withWatch { w in
            let script = "px.cron('0 9 * * *', function() px.store.set('n', (px.store.get('n') or 0) + 1) end, { name = 'morning' })"
            try await w.daemon(script) { loop in _ = await loop.cycle() }
            try await DatabaseQueue(path: w.statePath).write { db in
                try db.execute(sql: "UPDATE schedule SET first_seen = -1e300, last_run = -1e300")
            }
            try await w.daemon(script) { loop in
                #expect(await loop.cycle().schedules.ran == ["name:morning"], "one catch-up run, no crash")
            }
            #expect(try StateStore(path: w.statePath).kept.value(forKey: "n") == "1")
        }
    }

    @Test("bad schedules are argument errors at the script's line")
    func badSpecs() async throws {
        try await withWatch { w in
            let error = await #expect(throws: RuntimeError.self) {
                try await w.daemon("\npx.cron('0 25 * * *', function() end)") { _ in }
            }
            #expect("\(String(describing: error))".contains("autoreply.lua:2: bad argument #1 to 'cron' ('25' is not an hour"))
        }
    }
}
