import Foundation
import PixiesetModels
import StudioSandbox
import Testing

/// A temporary folder with scripts, and the environment a run against a
/// `sandbox serve` process needs (no config file: HOME is the folder).
struct RunFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pxrun-\(UUID().uuidString)")

    init(_ files: [String: String]) throws {
        for (name, text) in files {
            let file = url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func environment(_ serve: ServeProcess? = nil) -> [String: String] {
        var env = ["HOME": url.path, "XDG_STATE_HOME": url.path + "/state", "XDG_CONFIG_HOME": url.path + "/config", "PXSCRIPT_NOW": "2026-03-01T09:00:00Z"]
        if let serve {
            env["PXSCRIPT_BASE_URL"] = "http://127.0.0.1:\(serve.port)/api/v1"
            // The sandbox's own cookie: under PXSCRIPT_SANDBOX_PROFILE=realistic it carries the XSRF-TOKEN pair.
            env["PIXIESET_COOKIE"] = serve.cookie
        }
        return env
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

@Suite("pxscript run, check, status, pause, resume")
struct RunCommandTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")

    @Test("run --sandbox --dry-run prints the plan of the follow-up example and sends nothing")
    func dryRunPlan() async throws {
        let folder = try RunFolder([:])
        defer { folder.remove() }
        let outcome = try await pxscript(["run", Self.examples.appendingPathComponent("followup.lua").path, "--sandbox", "--dry-run"],
                                         environment: folder.environment())
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("1. to conv_"))
        #expect(outcome.stdout.contains("   | Hi "))
        #expect(outcome.stdout.contains("followup.lua:22]"))
        #expect(outcome.stdout.range(of: #"dry run: \d+ messages would be sent; nothing was sent"#, options: .regularExpression) != nil)
        // Past the ninth message too, each message's lines stay under its header: numbers right-aligned.
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        let dots = Set(lines.compactMap { $0.firstMatch(of: /^ *\d+\.\s/).map { $0.output.count - 2 } })
        let bars = Set(lines.compactMap { $0.firstMatch(of: /^ +\|/).map { $0.output.count - 1 } })
        #expect(lines.contains { $0.hasPrefix("10. ") }, "the example plans ten messages or more")
        #expect(dots.count == 1 && bars == Set(dots.map { $0 + 2 }), "\(dots) \(bars)")
        #expect(outcome.stderr.contains("sandbox: http://127.0.0.1:"))
    }

    @Test("--sandbox says where its throw-away state is; with --state the state is the one named, and kept (approvals can read it)")
    func sandboxState() async throws {
        let folder = try RunFolder(["ask.lua": "for c in px.conversations.each() do px.send(c.id, 'Hello', { approve = true }) break end\n"])
        defer { folder.remove() }
        let thrown = try await pxscript(["run", folder.path("ask.lua"), "--sandbox"], environment: folder.environment())
        #expect(thrown.status == 0 && thrown.stderr.contains("sandbox: state ") && thrown.stderr.contains("removed on exit"), "\(thrown.stderr)")
        let kept = folder.path("kept.sqlite")
        let named = try await pxscript(["run", folder.path("ask.lua"), "--sandbox", "--state", kept], environment: folder.environment())
        #expect(named.status == 0, "\(named.stdout)\(named.stderr)")
        #expect(FileManager.default.fileExists(atPath: kept))
        let waiting = try await pxscript(["approvals", "--state", kept], environment: folder.environment())
        #expect(waiting.status == 0 && waiting.stdout.contains("Hello"), "\(waiting.stdout)\(waiting.stderr)")
    }

    @Test("on a terminal a run ends with what its sends came to; in a pipe it stays quiet")
    func doneLine() async throws {
        let folder = try RunFolder(["hello.lua": "for c in px.conversations.each{} do px.send(c.id, 'Hello!') break end\n"])
        defer { folder.remove() }
        let piped = try await pxscript(["run", folder.path("hello.lua"), "--sandbox"], environment: folder.environment())
        #expect(piped.status == 0 && !piped.stderr.contains("done:"), "\(piped.stderr)")
        // `script` gives the run a terminal (its output, the terminal's, comes back on stdout).
        let command = "'\(pxscriptBinary.path)' run '\(folder.path("hello.lua"))' --sandbox"
        let tty = try await shell("script -qec \"\(command)\" /dev/null", environment: folder.environment())
        #expect(tty.status == 0 && tty.stdout.contains("done: sent 1"), "\(tty.stdout)\(tty.stderr)")
    }

    @Test("dashboard --url prints every dashboard running on a script's state; one that stops takes only its own address away")
    func dashboardURLs() async throws {
        let folder = try RunFolder(["a.lua": "return 1"])
        defer { folder.remove() }
        let env = folder.environment()
        let state = ["--state", folder.path("a.sqlite")]
        func address(_ child: Child) -> String? {
            child.stdout.split(separator: "\n").first { $0.hasPrefix("dashboard: ") }.map { String($0.dropFirst("dashboard: ".count)) }
        }
        func urls() async throws -> Outcome { try await pxscript(["dashboard", folder.path("a.lua"), "--url"] + state, environment: env) }
        let first = try startPxscript(["dashboard", folder.path("a.lua")] + state, environment: env, capture: true)
        let second = try startPxscript(["dashboard", folder.path("a.lua")] + state, environment: env, capture: true)
        defer { first.signal(SIGKILL); second.signal(SIGKILL) }
        await until("both dashboards to start (\(first.stderr)\(second.stderr))") { address(first) != nil && address(second) != nil }
        let both = try await urls()
        #expect(Set(both.stdout.split(separator: "\n").map(String.init)) == Set([address(first), address(second)].compactMap { $0 }), "\(both.stdout)")
        second.signal(SIGTERM)
        _ = await second.exited()
        #expect(try await urls().stdout == (address(first) ?? "?") + "\n")
        first.signal(SIGTERM)
        _ = await first.exited()
        #expect(try await urls().status == 64)
    }

    @Test("exit codes: 0, 1 with file:line and traceback, 65 for syntax, 66 for a missing script, 75 at the send cap")
    func exitCodes() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder([
            "ok.lua": "return 1",
            "boom.lua": "local function f()\n  error('no template for ' .. 'Ana')\nend\nf()\n",
            "broken.lua": "if true then\n",
            "two.lua": "local n = 0\nfor c in px.conversations.each{} do n = n + 1 px.send(c.id, 'hi ' .. n) if n == 2 then break end end\n",
        ])
        defer { folder.remove() }
        let env = folder.environment(serve)
        #expect(try await pxscript(["run", folder.path("ok.lua")], environment: env).status == 0)
        let boom = try await pxscript(["run", folder.path("boom.lua")], environment: env)
        #expect(boom.status == 1)
        #expect(boom.stderr.contains("boom.lua:2: no template for Ana"))
        #expect(boom.stderr.contains("stack traceback:"))
        let broken = try await pxscript(["run", folder.path("broken.lua")], environment: env)
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("broken.lua:2: 'end' expected"))
        #expect(try await pxscript(["run", folder.path("nothing.lua")], environment: env).status == 66)
        let capped = try await pxscript(["run", folder.path("two.lua"), "--max-sends", "1"], environment: env)
        #expect(capped.status == 75, "\(capped.stderr)")
        #expect(capped.stderr.contains("SEND_CAP"))
        #expect(try await pxscript(["check", folder.path("broken.lua")], environment: env).status == 65)
        // A dry run before the first run creates no state.
        let planned = try await pxscript(["run", folder.path("two.lua"), "--dry-run", "--state", folder.path("never.sqlite")], environment: env)
        #expect(planned.status == 0 && planned.stdout.contains("dry run: 2 messages would be sent"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("never.sqlite")))
        _ = await serve.stop()
    }

    @Test("a plan refuses what the real run refuses: the same codes, the same error, the same exit code")
    func planMatchesRun() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["targets.lua": """
            local seen = {}
            for _, id in ipairs({ "conv_DOESNOTEXIST", "../unread", "conv_x/../../y" }) do
              local ok, err = pcall(px.send, id, "Plan check")
              seen[#seen + 1] = ok and "sent" or (tostring(err.code) .. ":" .. tostring(err.status))
            end
            print(table.concat(seen, ","))
            px.send("conv_DOESNOTEXIST", "Plan check, uncaught")
            """])
        defer { folder.remove() }
        let env = folder.environment(serve)
        let plan = try await pxscript(["run", folder.path("targets.lua"), "--dry-run", "--state", folder.path("p.sqlite")], environment: env)
        let real = try await pxscript(["run", folder.path("targets.lua"), "--state", folder.path("r.sqlite")], environment: env)
        #expect(plan.stdout.split(separator: "\n").first == real.stdout.split(separator: "\n").first, "\(plan.stdout)\n\(real.stdout)")
        #expect(real.stdout.hasPrefix("CONVERSATION_NOT_FOUND:404,INVALID_ID:nil,INVALID_ID:nil"), "\(real.stdout)")
        #expect(plan.status == real.status && real.status == 1, "\(plan.status) \(real.status)")
        #expect(plan.stderr.contains("Conversation not found") && real.stderr.contains("Conversation not found"), "\(plan.stderr)")
        #expect(!plan.stdout.contains("would be sent: 1") && !plan.stdout.contains("1. to conv_DOESNOTEXIST"), "\(plan.stdout)")
        _ = await serve.stop()
    }

    @Test("run has a wall-clock limit: --timeout ends a run that sleeps or spins, naming the option")
    func timeout() async throws {
        let folder = try RunFolder(["sleepy.lua": "px.sleep(20)", "spin.lua": "pcall(function() while true do end end) print('carried on')"])
        defer { folder.remove() }
        for script in ["sleepy.lua", "spin.lua"] {
            let outcome = try await pxscript(
                ["run", folder.path(script), "--sandbox", "--timeout", "1s", "--max-instructions", "1e15"], environment: folder.environment())
            #expect(outcome.status == 1, "\(script): \(outcome.stderr)")
            #expect(outcome.stderr.contains("time limit reached: the run took longer than 1000 ms (raise it with --timeout)"), "\(outcome.stderr)")
            #expect(!outcome.stdout.contains("carried on"))
        }
    }

    @Test("a script that does not exist: 66, and no state is left behind; status of it says so")
    func missingScript() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["ok.lua": "return 1"])
        defer { folder.remove() }
        let env = folder.environment(serve)
        for command in [["run"], ["run", "--dry-run"], ["watch", "--once"], ["check"]] {
            let outcome = try await pxscript([command[0], folder.path("nothing.lua")] + command.dropFirst(), environment: env)
            #expect(outcome.status == 66 && outcome.stderr.contains("nothing.lua: no such file"), "\(command): \(outcome.stderr)")
        }
        let state = URL(fileURLWithPath: folder.path("state"))
        let left = (try? FileManager.default.subpathsOfDirectory(atPath: state.path)) ?? []
        #expect(left.filter { $0.hasSuffix(".sqlite") || $0.contains("nothing") }.isEmpty, "\(left)")
        let status = try await pxscript(["status", folder.path("nothing.lua")], environment: env)
        #expect(status.status == 66 && status.stderr.contains("nothing.lua: no such file"), "\(status.stderr)")
        // A script that exists but never ran: no state, said so; after a run, no claim about a session no watch checked.
        let never = try await pxscript(["status", folder.path("ok.lua")], environment: env)
        #expect(never.status == 66 && never.stderr.contains("has not run against this account yet"), "\(never.stderr)")
        #expect(try await pxscript(["run", folder.path("ok.lua")], environment: env).status == 0)
        let ran = try await pxscript(["status", folder.path("ok.lua")], environment: env)
        #expect(ran.status == 0 && !ran.stdout.contains("session:"), "\(ran.stdout)")
        _ = await serve.stop()
    }

    @Test("status shows today's sends and the journal; pause stops sends until resume")
    func statusPauseResume() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["one.lua": "for c in px.conversations.each{} do return px.send(c.id, 'status check ' .. px.time.now()).id end"])
        defer { folder.remove() }
        let env = folder.environment(serve)
        let state = folder.path("one.sqlite")
        #expect(try await pxscript(["run", folder.path("one.lua"), "--state", state], environment: env).status == 0)
        let status = try await pxscript(["status", "--state", state], environment: env)
        #expect(status.status == 0)
        #expect(status.stdout.contains("today (2026-03-01, ") && status.stdout.contains("): 1 of 200 sends"), "\(status.stdout)")
        #expect(status.stdout.contains("  sent  conv_"))
        let json = try await pxscript(["status", "--state", state, "--json"], environment: env)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["sends_today"] as? Int == 1)
        #expect(try await pxscript(["pause", "--state", state], environment: env).status == 0)
        let paused = try await pxscript(["run", folder.path("one.lua"), "--state", state], environment: env)
        #expect(paused.status == 1 && paused.stderr.contains("PAUSED"))
        #expect(try await pxscript(["status", "--state", state], environment: env).stdout.contains("sends: PAUSED"))
        #expect(try await pxscript(["resume", "--state", state], environment: env).status == 0)
        #expect(try await pxscript(["run", folder.path("one.lua"), "--state", state], environment: env).status == 0)
        // By script name: the default state of a script that never ran is missing (66).
        #expect(try await pxscript(["status", folder.path("one.lua")], environment: env).status == 66)
        _ = await serve.stop()
    }

    static let killScript = """
        -- Sends to the first 12 conversations by id, once each (key), slowly.
        local all = {}
        for c in px.conversations.each{} do all[#all + 1] = c.id end
        table.sort(all)
        for i = 1, 12 do px.send(all[i], "Kill test " .. all[i], { key = "kill-test" }) end
        """

    /// Messages of the kill test by conversation, read from the sandbox's database file.
    static func killTestMessages(_ serve: ServeProcess) throws -> [String: Int] {
        var configuration = SandboxConfiguration()
        configuration.clock = StartingClock(start: try #require(.init(parsing: "2026-03-01T09:00:00Z")))
        let database = try StudioSandbox.openDatabase(configuration, path: serve.database)
        return try database.allMessages().filter { $0.content.hasPrefix("Kill test ") }.reduce(into: [:]) { $0[$1.conversationID, default: 0] += 1 }
    }

    @Test("a run killed half-way (SIGKILL) and run again messages each client exactly once, also when answers are lost",
          arguments: ["latency=40ms", "latency=40ms,error_after_commit=0.3,seed=11"])
    func killedHalfWay(faults: String) async throws {
        let serve = try await ServeProcess(arguments: ["--faults", faults])
        let folder = try RunFolder(["outreach.lua": Self.killScript])
        defer { folder.remove() }
        let env = folder.environment(serve), state = folder.path("kill.sqlite")
        var seed = SystemRandomNumberGenerator()
        for round in 0..<3 {
            let process = try startPxscript(["run", folder.path("outreach.lua"), "--state", state], environment: env)
            // Deliberately not a wait for the run: it is killed at a random instant.
            let wait = Int.random(in: 150...450, using: &seed)
            try await Task.sleep(for: .milliseconds(wait))
            process.signal(SIGKILL)
            let status = await process.exited()
            #expect(status == 128 + SIGKILL || status == 0, "round \(round)")
        }
        let final = try await pxscript(["run", folder.path("outreach.lua"), "--state", state], environment: env)
        #expect(final.status == 0, "\(final.stderr)")
        let counts = try Self.killTestMessages(serve)
        #expect(counts.count == 12, "\(counts)")
        #expect(counts.values.allSatisfy { $0 == 1 }, "\(counts)")
        _ = await serve.stop()
    }

    @Test("check warns about typos and exits 0; the cookie never shows in run's output")
    func checkAndCookie() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["typo.lua": "px.sned('conv_1', 'x')\n", "leak.lua": "print(os.getenv('PIXIESET_COOKIE')) error(tostring(os.getenv('PIXIESET_COOKIE')))"])
        defer { folder.remove() }
        var env = folder.environment(serve)
        let check = try await pxscript(["check", folder.path("typo.lua")], environment: env)
        #expect(check.status == 0)
        #expect(check.stdout.contains("typo.lua:1: warning: unknown px name 'px.sned'"))
        env["PIXIESET_COOKIE"] = "session_cookie=sandbox"
        let leak = try await pxscript(["run", folder.path("leak.lua"), "--allow-env", "PIXIESET_COOKIE", "--verbose"], environment: env)
        #expect(!leak.stdout.contains("session_cookie") && !leak.stderr.contains("session_cookie"))
        _ = await serve.stop()
    }

    @Test("a run whose sends all failed exits 1 with a summary line; retry: nothing parked, an id not parked is 64, ids or --all needed")
    func failedSendsAndRetry() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder([
            "refused.lua": "local ok = pcall(px.send, 'conv_does_not_exist', 'hello')\nreturn ok\n",
        ])
        defer { folder.remove() }
        let env = folder.environment(serve), state = folder.path("s.sqlite"), heard = folder.path("heard.txt")
        // With [notify] set, the photographer hears of it too.
        try FileManager.default.createDirectory(atPath: folder.path("config/pxscript"), withIntermediateDirectories: true)
        try "[notify]\ncommand = [\"/bin/sh\", \"-c\", \"cat >> '\(heard)'\"]\n".write(toFile: folder.path("config/pxscript/config.toml"), atomically: true, encoding: .utf8)
        chmod(folder.path("config/pxscript/config.toml"), 0o600)
        let refused = try await pxscript(["run", folder.path("refused.lua"), "--state", state], environment: env)
        #expect(refused.status == 1 && refused.stderr.contains("error: sent 0, failed 1: first error conv_does_not_exist:"), "\(refused.stderr)")
        let told = (try? String(contentsOfFile: heard, encoding: .utf8)) ?? ""
        #expect(told.contains("sends failed in refused.lua") && told.contains("sent 0, failed 1"), "\(told)")
        try FileManager.default.removeItem(atPath: folder.path("config/pxscript/config.toml"))
        let nothing = try await pxscript(["retry", "--state", state, "--all"], environment: env)
        #expect(nothing.status == 0 && nothing.stdout.contains("nothing parked"), "\(nothing.stdout)\(nothing.stderr)")
        let unknown = try await pxscript(["retry", "--state", state, "msg_not_here"], environment: env)
        #expect(unknown.status == 64 && unknown.stderr.contains("not parked here: msg_not_here"), "\(unknown.stderr)")
        let bare = try await pxscript(["retry", "--state", state], environment: env)
        #expect(bare.status == 64 && bare.stderr.contains("--all"), "\(bare.stderr)")
        // A send left pending by a crash, checked with an expired cookie: 77 (log in), not 69 "try again later".
        try "for c in px.conversations.each{} do px.send(c.id, 'one') return end".write(toFile: folder.path("one.lua"), atomically: true, encoding: .utf8)
        var crashing = env
        crashing["PXSCRIPT_CRASH_AT"] = "after-send"
        #expect(try await pxscript(["run", folder.path("one.lua"), "--state", state], environment: crashing).status == 86)
        var expired = env
        expired["PIXIESET_COOKIE"] = "session_cookie=expired"
        let checked = try await pxscript(["run", folder.path("one.lua"), "--state", state], environment: expired)
        #expect(checked.status == 77 && checked.stderr.contains("from an interrupted run could not be checked"), "\(checked.stderr)")
        _ = await serve.stop()
    }

    @Test("under umask 022 a run's state, its -wal and -shm, and the outbox are 0600 (issue 28)")
    func privateFilesUnderUmask() async throws {
        let serve = try await ServeProcess()
        let folder = try RunFolder(["one.lua": "for c in px.conversations.each{} do px.send(c.id, 'hello') return end"])
        defer { folder.remove() }
        let shared = folder.path("shared")
        let outcome = try await shell("umask 022; mkdir -p '\(shared)'; '\(pxscriptBinary.path)' run '\(folder.path("one.lua"))' --state '\(shared)/st.sqlite'", environment: folder.environment(serve))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for name in ["st.sqlite", "st.sqlite-wal", "st.sqlite-shm"] {
            let mode = ((try? FileManager.default.attributesOfItem(atPath: shared + "/" + name))?[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600, "\(name): \(String(mode ?? 0, radix: 8))")
        }
        _ = await serve.stop()
    }
}
