import Foundation
import Testing
import TestSupport

/// `pxscript watch` with several scripts (issue 18), as a photographer runs it.
@Suite("pxscript watch: several scripts, one daemon")
struct WatchScriptsCommandTests {
    static let vacation = """
        px.on("message", function(event)
          event:reply("Away: " .. event.message.id)
        end)
        """

    @Test("a folder of scripts: each answers each new client message once, in its own state; --state with several is 64; a second daemon is told to run them together")
    func folder() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder([
            "scripts/echo.lua": WatchCommandTests.echo, "scripts/vacation.lua": Self.vacation, "scripts/echo_test.lua": "error('a scenario, not a script')",
        ])
        defer { folder.remove() }
        let env = folder.environment(serve)
        let scripts = folder.path("scripts")
        let refused = try await pxscript(["watch", scripts, "--once", "--state", folder.path("one.sqlite")], environment: env)
        #expect(refused.status == 64 && refused.stderr.contains("--state names one script's state"), "\(refused.stderr)")

        let first = try await pxscript(["watch", scripts, "--once"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("echo.lua") && first.stderr.contains("vacation.lua") && !first.stderr.contains("echo_test.lua"), "\(first.stderr)")
        let targets = try await WatchCommandTests.conversations(serve, env: env)
        var written: [String] = []
        for id in targets.prefix(2) { written.append(try await WatchCommandTests.clientWrites(serve, id, "Hello!", env: env)) }
        let second = try await pxscript(["watch", scripts, "--once"], environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try WatchCommandTests.replies(serve) == Dictionary(uniqueKeysWithValues: written.map { ($0, 1) }))
        #expect(try Self.away(serve) == Dictionary(uniqueKeysWithValues: written.map { ($0, 1) }))
        // Run again: nothing more (each script's own ledger).
        #expect(try await pxscript(["watch", scripts, "--once"], environment: env).status == 0)
        #expect(try Self.away(serve).values.allSatisfy { $0 == 1 })

        // One message daemon per account: a second one is refused, and told to run every script in one.
        let daemon = try startPxscript(["watch", folder.path("scripts/echo.lua"), "--interval", "1s"], environment: env, capture: true)
        // It says it is watching once it holds its locks (the state's and the account's).
        await until("the daemon to start (\(daemon.stderr))") { daemon.stderr.contains("info: watching ") }
        let other = try await pxscript(["watch", folder.path("scripts/vacation.lua"), "--once"], environment: env)
        #expect(other.status == 1 && other.stderr.contains("scripts \(folder.path("scripts/echo.lua"))"), "\(other.stderr)")
        #expect(other.stderr.contains("start one daemon with every script"), "\(other.stderr)")
        // `status` of the folder: one section per script, each saying whether a daemon runs on it
        // (a script that never ran says so, among others).
        try "px.every('1h', function() end)".write(toFile: folder.path("scripts/later.lua"), atomically: true, encoding: .utf8)
        let status = try await pxscript(["status", scripts], environment: env)
        let sections = status.stdout.components(separatedBy: "== ").dropFirst()
        #expect(status.status == 0 && sections.count == 3, "\(status.stdout)\(status.stderr)")
        #expect(sections.first { $0.hasPrefix(folder.path("scripts/later.lua")) }?.contains("no state yet") == true, "\(status.stdout)")
        #expect(sections.first { $0.hasPrefix(folder.path("scripts/echo.lua")) }?.contains("daemon: running (pid \(daemon.pid)") == true, "\(status.stdout)")
        #expect(sections.first { $0.hasPrefix(folder.path("scripts/vacation.lua")) }?.contains("daemon: not running") == true, "\(status.stdout)")
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0)
        let after = try await pxscript(["status", folder.path("scripts/echo.lua"), "--json"], environment: env)
        #expect(after.stdout.contains("\"state\"") && !after.stdout.contains("\"daemon\" : \"pid"), "\(after.stdout)")
        _ = await serve.stop()
    }

    static func away(_ serve: ServeProcess) throws -> [String: Int] {
        try WatchCommandTests.messages(serve).filter { $0.hasPrefix("Away: ") }.reduce(into: [:]) { $0[String($1.dropFirst(6)), default: 0] += 1 }
    }
}

/// `pxscript watch SCRIPT --trigger NAME` (issue 19): a schedule now, here or in the running daemon.
@Suite("pxscript watch --trigger")
struct TriggerCommandTests {
    static let digest = """
        px.cron("0 9 * * *", function()
          for conversation in px.conversations.each{} do
            px.send(conversation.id, "Good morning digest")
            return
          end
        end, { name = "morning digest" })
        """

    static func digests(_ serve: ServeProcess) throws -> Int {
        try WatchCommandTests.messages(serve).filter { $0 == "Good morning digest" }.count
    }

    @Test("runs the named schedule once now (a dry run plans it); an unknown name lists the schedules; a running daemon is asked and runs it")
    func trigger() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["digest.lua": Self.digest])
        defer { folder.remove() }
        let env = folder.environment(serve), script = folder.path("digest.lua")

        let plan = try await pxscript(["watch", script, "--trigger", "morning digest", "--dry-run"], environment: env)
        #expect(plan.status == 0 && plan.stdout.contains("Good morning digest") && plan.stdout.contains("1 message would be sent"), "\(plan.stdout)\(plan.stderr)")
        #expect(try Self.digests(serve) == 0)

        let unknown = try await pxscript(["watch", script, "--trigger", "evening digest"], environment: env)
        #expect(unknown.status == 64 && unknown.stderr.contains("no schedule named 'evening digest'; its schedules: morning digest"), "\(unknown.stderr)")

        let once = try await pxscript(["watch", script, "--trigger", "morning digest"], environment: env)
        #expect(once.status == 0, "\(once.stderr)")
        #expect(try Self.digests(serve) == 1)

        // With a daemon on the state: handed over through the state, run within a poll.
        let daemon = try startPxscript(["watch", script, "--interval", "0.5s"], environment: env, capture: true)
        await until("the daemon to start (\(daemon.stderr))") { daemon.stderr.contains("info: watching ") }
        // A misspelt name is refused while a daemon runs too (issue 27: it used to exit 0, the error only in the daemon's log).
        let misspelt = try await pxscript(["watch", script, "--trigger", "morning digets"], environment: env)
        #expect(misspelt.status == 64 && misspelt.stderr.contains("no schedule named 'morning digets'; its schedules: morning digest"), "\(misspelt.stdout)\(misspelt.stderr)")
        let asked = try await pxscript(["watch", script, "--trigger", "morning digest"], environment: env)
        #expect(asked.status == 0 && asked.stdout.contains("asked the running daemon (pid \(daemon.pid)"), "\(asked.stdout)\(asked.stderr)")
        _ = try await Patience.wait(every: .milliseconds(100)) { try Self.digests(serve) >= 2 }
        #expect(try Self.digests(serve) == 2)
        daemon.signal(SIGINT)
        #expect(await daemon.exited() == 0)
        _ = await serve.stop()
    }
}

/// `pxscript watch SCRIPT --replay 30d` (issue 19): a backtest on the real inbox, reads only.
@Suite("pxscript watch --replay")
struct ReplayCommandTests {
    @Test("replays the last days through the script: one reply per client message for an echo, nothing written to the studio or any state")
    func replay() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["echo.lua": WatchCommandTests.echo])
        defer { folder.remove() }
        let env = folder.environment(serve)
        let before = try WatchCommandTests.messages(serve)
        let outcome = try await pxscript(["watch", folder.path("echo.lua"), "--replay", "30d"], environment: env)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        // "…: 67 client message(s) in 35 conversation(s); 67 messages would have been sent (nothing was)"
        let summary = try #require(outcome.stdout.split(separator: "\n").first.map(String.init))
        let counts = summary.components(separatedBy: "over the last ").last ?? ""
        let numbers = counts.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        // [30 (days), client messages, conversations, sends]
        #expect(numbers.count == 4 && numbers[1] > 0 && numbers[1] == numbers[3], "\(summary)")
        let replies = outcome.stdout.components(separatedBy: "  | Got it: ").count - 1
        #expect(replies == numbers.last, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("[echo.lua:2]"))
        // Reads only: the studio holds what it held, and no state was made.
        #expect(try WatchCommandTests.messages(serve) == before)
        let states = (try? FileManager.default.subpathsOfDirectory(atPath: folder.path("state/pxscript"))) ?? []
        #expect(!states.contains { $0.hasSuffix(".sqlite") }, "\(states)")
        _ = await serve.stop()
    }
}
